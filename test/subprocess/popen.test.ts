/**
 * Popen: poll/wait/returncode, communicate() with Python's timeout rules (the child keeps
 * running; a second call after kill() gets everything), pipes that cannot deadlock, signals
 * and negative return codes, a process group killed whole, `await using`, and stdio to a
 * file descriptor. Every child is reaped in `after`, and none is left behind.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import {
  DEVNULL,
  PIPE,
  Popen,
  run,
  StateError,
  TimeoutExpiredError,
  type PopenOptions,
} from '../../src/index.ts';
import { Children, goneWithin, isGone } from '../helpers/children.ts';

const children = new Children();
const scratch = mkdtempSync(join(tmpdir(), 'multitask-subprocess-'));

after(async () => {
  const left = await children.stopAll();
  rmSync(scratch, { recursive: true, force: true });
  assert.deepEqual(left, [], 'processes left behind');
});

function popen<Text extends boolean = false>(
  args: string[],
  options: PopenOptions<Text> = {},
): Popen<Text> {
  return children.track(new Popen<Text>(args, options));
}

/** The first line the child writes to its stdout (read straight off the pipe). */
async function firstLine(proc: Popen<boolean>): Promise<string> {
  const stdout = proc.stdout;
  assert.ok(stdout !== null);
  let text = '';
  while (!text.includes('\n')) {
    const [chunk] = (await once(stdout, 'data')) as [Buffer];
    text += chunk.toString();
  }
  stdout.pause();
  return text.slice(0, text.indexOf('\n'));
}

describe('Popen', () => {
  it('Popen - pid, poll() null while it runs; wait(ms) times out without killing it', async () => {
    const proc = popen(['sleep', '1000']);
    assert.ok(Number.isInteger(proc.pid) && proc.pid > 0);
    assert.deepEqual([proc.poll(), proc.returncode], [null, null]);
    await assert.rejects(proc.wait(50), {
      name: 'TimeoutExpiredError',
      cmd: ['sleep', '1000'],
      timeout: 50,
    });
    await assert.rejects(proc.wait({ timeout: 0 }), TimeoutExpiredError);
    assert.equal(proc.poll(), null);
    assert.ok(!isGone(proc.pid));
    proc.kill();
    assert.equal(await proc.wait(), -9);
    assert.deepEqual([proc.poll(), proc.returncode], [-9, -9]);
    proc.kill(); // Once it has ended, a signal is not sent (Python's rule).
  });

  it('Popen - a missing program throws FileNotFoundError from the constructor', () => {
    assert.throws(() => new Popen(['multitask-no-such-program']), {
      name: 'FileNotFoundError',
      code: 'ERR_FILE_NOT_FOUND',
      errno: 2,
    });
  });

  it('Popen#terminate() and sendSignal() - the return code is minus the signal', async () => {
    const term = popen(['sleep', '1000']);
    term.terminate();
    assert.equal(await term.wait(), -15);
    const int = popen(['sleep', '1000']);
    int.sendSignal('SIGINT');
    assert.equal(await int.wait(), -2);
    const usr1 = popen(['sleep', '1000']);
    usr1.sendSignal(10);
    assert.equal(await usr1.wait(), -10);
    assert.throws(
      () => {
        usr1.sendSignal('SIGNOPE' as NodeJS.Signals);
      },
      { name: 'ArgumentTypeError' },
    );
  });

  it('Popen#communicate() - input in, output out, the return code set', async () => {
    const proc = popen(['sh', '-c', 'cat; echo done >&2; exit 5'], {
      stdin: PIPE,
      stdout: PIPE,
      stderr: PIPE,
      text: true,
    });
    assert.deepEqual(await proc.communicate({ input: 'abc' }), ['abc', 'done\n']);
    assert.equal(proc.returncode, 5);
  });

  it('Popen#communicate() - without pipes gives [null, null] once the child has ended', async () => {
    const proc = popen(['sh', '-c', 'exit 7'], { stdout: DEVNULL });
    assert.deepEqual(await proc.communicate(), [null, null]);
    assert.equal(proc.returncode, 7);
  });

  it('Popen#communicate() - a timeout leaves the child running with the output so far; after kill() it gets everything', async () => {
    const proc = popen(['sh', '-c', 'echo first; exec sleep 1000'], {
      stdout: PIPE,
      stderr: PIPE,
      text: true,
    });
    // Each timed-out call sees what has come so far; wait until the first line has come.
    let seen: TimeoutExpiredError | undefined;
    while (seen?.output !== 'first\n') {
      seen = await proc.communicate({ timeout: 20 }).then(
        () => assert.fail('communicate() returned while the child still runs'),
        (error: unknown) => {
          assert.ok(error instanceof TimeoutExpiredError);
          return error;
        },
      );
      assert.deepEqual([seen.timeout, seen.stderr], [20, '']);
      assert.equal(proc.poll(), null, 'the timeout must not kill the child');
    }
    proc.kill();
    assert.deepEqual(await proc.communicate(), ['first\n', '']);
    assert.equal(proc.returncode, -9);
  });

  it('Popen#communicate() - input to a later call is refused (ERR_COMMUNICATION_STARTED)', async () => {
    const proc = popen(['sleep', '1000'], { stdin: PIPE, stdout: PIPE });
    await assert.rejects(proc.communicate({ input: 'a', timeout: 0 }), TimeoutExpiredError);
    await assert.rejects(proc.communicate({ input: 'b' }), (error: unknown) => {
      assert.ok(error instanceof StateError);
      assert.deepEqual(
        [error.code, error.message],
        ['ERR_COMMUNICATION_STARTED', 'Cannot send input after starting communication'],
      );
      return true;
    });
    proc.kill();
    assert.deepEqual(await proc.communicate(), [Buffer.alloc(0), null]);
  });

  it('Popen#communicate() - no deadlock when the child fills stderr before reading stdin', async () => {
    // 1 MB to stderr first (16 pipes' worth), then echo 4 MB of stdin: a writer that did not
    // drain stderr meanwhile would block with the child for ever.
    const proc = popen(['sh', '-c', 'head -c 1000000 /dev/zero >&2; cat'], {
      stdin: PIPE,
      stdout: PIPE,
      stderr: PIPE,
    });
    const input = Buffer.alloc(4_000_000, 'x');
    const [out, err] = await proc.communicate({ input });
    assert.deepEqual([out?.length, err?.length, proc.returncode], [4_000_000, 1_000_000, 0]);
    assert.ok(out?.equals(input));
  });

  it('Popen#communicate() - onStdout receives the chunks instead of them being kept', async () => {
    const proc = popen(['head', '-c', '300000', '/dev/zero'], { stdout: PIPE });
    let bytes = 0;
    let chunks = 0;
    const [out, err] = await proc.communicate({
      onStdout: (chunk) => {
        bytes += chunk.length;
        chunks++;
      },
    });
    assert.deepEqual([out, err, bytes], [null, null, 300_000]);
    assert.ok(chunks >= 1);
  });

  it('Popen#communicate() - a child that stops reading ends the input quietly (EPIPE)', async () => {
    const proc = popen(['head', '-c', '10'], { stdin: PIPE, stdout: PIPE });
    const [out] = await proc.communicate({ input: Buffer.alloc(2_000_000, 'y') });
    assert.deepEqual([out?.toString(), proc.returncode], ['yyyyyyyyyy', 0]);
  });

  it('Popen#kill({ group: true }) - with startNewSession, the children die too', async () => {
    // The shell starts a grandchild in the background and tells us its pid.
    const proc = popen(['sh', '-c', 'sleep 1000 & echo $!; wait'], {
      stdout: PIPE,
      startNewSession: true,
    });
    const grandchild = Number(await firstLine(proc));
    children.trackPid(grandchild);
    assert.ok(!isGone(grandchild));
    proc.kill({ group: true });
    assert.equal(await proc.wait(), -9);
    // The grandchild held the stdout pipe: its end means the grandchild is dying (it closes
    // its files before the kernel counts it gone).
    const stdout = proc.stdout ?? assert.fail();
    stdout.resume();
    if (!stdout.closed) await once(stdout, 'close');
    assert.ok(await goneWithin(grandchild));
  });

  it('Popen#kill({ group: true }) - refused without startNewSession', async () => {
    const proc = popen(['sleep', '1000']);
    assert.throws(
      () => {
        proc.kill({ group: true });
      },
      { name: 'ArgumentTypeError', code: 'ERR_INVALID_ARG_TYPE' },
    );
    proc.kill();
    await proc.wait();
  });

  it('run() - with startNewSession, a timeout kills the whole group before throwing', async () => {
    const error = await run(['sh', '-c', 'sleep 1000 & echo $!; wait'], {
      stdout: PIPE,
      text: true,
      startNewSession: true,
      timeout: 300,
    }).catch((thrown: unknown) => thrown);
    assert.ok(error instanceof TimeoutExpiredError);
    // run() returned only once the pipe closed, so the grandchild (which held it) is dying.
    const output = error.output as string;
    assert.match(output, /^(\d+\n)?$/);
    if (output !== '') assert.ok(await goneWithin(Number(output)));
  });

  it('Popen - await using closes the pipes and reaps the child', async () => {
    let proc: Popen | undefined;
    {
      await using cat = popen(['cat'], { stdin: PIPE, stdout: PIPE });
      proc = cat;
      cat.stdin?.write('unread');
    }
    // cat saw its stdin close (EOF) and ended; with its stdout closed it may die of SIGPIPE.
    assert.ok(proc.returncode === 0 || proc.returncode === -13);
    assert.deepEqual([proc.stdout?.destroyed, proc.stdin?.writableEnded], [true, true]);
  });

  it('Popen - stdout to a file descriptor', async () => {
    const path = join(scratch, 'out.txt');
    const fd = openSync(path, 'w');
    try {
      const proc = popen(['echo', 'to a file'], { stdout: fd });
      assert.equal(proc.stdout, null);
      assert.equal(await proc.wait(), 0);
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(path, 'utf8'), 'to a file\n');
  });
});
