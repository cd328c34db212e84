/**
 * run(), call(), checkCall() and checkOutput(): Python's rules for input, capture, text,
 * check, timeouts (the child killed and waited for first), signal deaths as negative return
 * codes, env and cwd, the shell only on request, a missing program thrown at the call, and
 * output never truncated.
 */
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import {
  ArgumentRangeError,
  CalledProcessError,
  call,
  checkCall,
  checkOutput,
  CompletedProcess,
  DEVNULL,
  FileNotFoundError,
  PermissionError,
  PIPE,
  run,
  STDOUT,
  TimeoutExpiredError,
} from '../../src/index.ts';
import { isGone } from '../helpers/children.ts';

describe('run()', () => {
  it('run() - returns a CompletedProcess; output not captured is null', async () => {
    const done = await run(['true']);
    assert.ok(done instanceof CompletedProcess);
    assert.deepEqual(
      [done.args, done.returncode, done.stdout, done.stderr],
      [['true'], 0, null, null],
    );
  });

  it('run() - captureOutput gives stdout and stderr as Buffers', async () => {
    const done = await run(['sh', '-c', 'printf out; printf err >&2; exit 3'], {
      captureOutput: true,
    });
    assert.equal(done.returncode, 3);
    assert.ok(Buffer.isBuffer(done.stdout) && Buffer.isBuffer(done.stderr));
    assert.deepEqual([done.stdout.toString(), done.stderr.toString()], ['out', 'err']);
  });

  it('run() - text decodes to strings with universal newlines; bytes are left alone', async () => {
    const script = String.raw`printf 'a\r\nb\rc\n\303\251'`;
    const text = await run(['sh', '-c', script], { stdout: PIPE, text: true });
    assert.equal(text.stdout, 'a\nb\nc\né');
    const bytes = await run(['sh', '-c', script], { stdout: PIPE });
    assert.deepEqual(bytes.stdout, Buffer.from('a\r\nb\rc\n\u00e9', 'utf8'));
    const latin1 = await run(['sh', '-c', script], {
      stdout: PIPE,
      text: true,
      encoding: 'latin1',
    });
    assert.equal(latin1.stdout, 'a\nb\nc\n\u00c3\u00a9');
  });

  it("run() - text with errors 'strict' throws on bad bytes, 'replace' puts U+FFFD", async () => {
    const script = String.raw`printf 'ok\377'`;
    await assert.rejects(run(['sh', '-c', script], { stdout: PIPE, text: true }), {
      name: 'TypeError',
      code: 'ERR_ENCODING_INVALID_ENCODED_DATA',
    });
    const replaced = await run(['sh', '-c', script], {
      stdout: PIPE,
      text: true,
      errors: 'replace',
    });
    assert.equal(replaced.stdout, 'ok\ufffd');
  });

  it('run() - input goes to stdin (a string, bytes, or chunks of an async iterable)', async () => {
    assert.equal(
      (await run(['cat'], { input: 'héllo', stdout: PIPE, text: true })).stdout,
      'héllo',
    );
    const bytes = await run(['cat'], { input: new Uint8Array([0, 255]), stdout: PIPE });
    assert.deepEqual([...(bytes.stdout ?? [])], [0, 255]);
    async function* chunks(): AsyncGenerator<string> {
      // Each chunk comes after a turn of the event loop, as from a file or a socket.
      for (let i = 0; i < 3; i++) yield await Promise.resolve(`line ${i}\n`);
    }
    const lines = await run(['cat'], { input: chunks(), stdout: PIPE, text: true });
    assert.equal(lines.stdout, 'line 0\nline 1\nline 2\n');
  });

  it('run() - input with stdin, captureOutput with stdout, are refused as Python does', async () => {
    // Python raises ValueError for both: ArgumentRangeError here.
    await assert.rejects(run(['cat'], { input: 'x', stdin: PIPE }), {
      name: 'ArgumentRangeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'Expected `stdin` to be left out when `input` is given (the input needs a pipe)',
    });
    await assert.rejects(run(['cat'], { captureOutput: true, stderr: PIPE }), ArgumentRangeError);
  });

  it('run() - check throws CalledProcessError with returncode, cmd, output and stderr', async () => {
    const error = await run(['sh', '-c', 'echo partial; echo oops >&2; exit 2'], {
      captureOutput: true,
      text: true,
      check: true,
    }).catch((thrown: unknown) => thrown);
    assert.ok(error instanceof CalledProcessError);
    assert.deepEqual(
      [error.code, error.returncode, error.cmd, error.output, error.stdout, error.stderr],
      [
        'ERR_CALLED_PROCESS',
        2,
        ['sh', '-c', 'echo partial; echo oops >&2; exit 2'],
        'partial\n',
        'partial\n',
        'oops\n',
      ],
    );
    assert.equal(
      error.message,
      `Command 'sh -c "echo partial; echo oops >&2; exit 2"' returned non-zero exit status 2.`,
    );
  });

  it('run() - a signal death is a negative return code, and check names the signal', async () => {
    const done = await run(['sh', '-c', 'kill -TERM $$']);
    assert.equal(done.returncode, -15);
    await assert.rejects(run(['sh', '-c', 'kill -KILL $$'], { check: true }), {
      name: 'CalledProcessError',
      returncode: -9,
      message: `Command 'sh -c "kill -KILL $$"' died with SIGKILL.`,
    });
  });

  it('run() - a timeout kills the child and waits for it before throwing', async () => {
    // The shell prints its pid and becomes `sleep` (exec): the pid is the child's.
    const error = await run(['sh', '-c', 'echo $$; exec sleep 1000'], {
      stdout: PIPE,
      text: true,
      timeout: 300,
    }).catch((thrown: unknown) => thrown);
    assert.ok(error instanceof TimeoutExpiredError);
    assert.deepEqual([error.code, error.timeout, error.stderr], ['ERR_TIMEOUT_EXPIRED', 300, null]);
    assert.match(
      error.message,
      /^Command 'sh -c "echo \$\$; exec sleep 1000"' timed out after 300/,
    );
    // All it wrote before the kill was gathered (the pid, if the shell got that far), and
    // the child is gone: run() waited for it.
    const output = error.output as string;
    assert.match(output, /^(\d+\n)?$/);
    if (output !== '') assert.ok(isGone(Number(output)));
  });

  it('run() - a missing program throws FileNotFoundError (coded) at the call', async () => {
    await assert.rejects(run(['multitask-no-such-program', '-x']), (error: unknown) => {
      assert.ok(error instanceof FileNotFoundError);
      assert.deepEqual(
        [error.code, error.errno, error.filename, error.message],
        [
          'ERR_FILE_NOT_FOUND',
          2,
          'multitask-no-such-program',
          "No such file or directory: 'multitask-no-such-program'",
        ],
      );
      return true;
    });
    await assert.rejects(run(['./no/such/path']), { name: 'FileNotFoundError' });
    await assert.rejects(run(['true'], { cwd: '/no/such/dir' }), {
      name: 'FileNotFoundError',
      filename: '/no/such/dir',
    });
    await assert.rejects(run(['/etc/passwd']), (error: unknown) => {
      assert.ok(error instanceof PermissionError);
      assert.deepEqual([error.code, error.errno], ['ERR_PERMISSION_DENIED', 13]);
      return true;
    });
  });

  it('run() - no shell by default: a string is one program name; shell runs it in /bin/sh', async () => {
    await assert.rejects(run('echo hi'), { name: 'FileNotFoundError', filename: 'echo hi' });
    const done = await run('echo "$0:$1" | tr a-z A-Z', { shell: true, stdout: PIPE, text: true });
    assert.equal(done.stdout, '/BIN/SH:\n');
    const args = await run(['echo "$0 $1"', 'zero', 'one'], {
      shell: true,
      stdout: PIPE,
      text: true,
    });
    assert.equal(args.stdout, 'zero one\n');
  });

  it('run() - env replaces the environment and cwd sets the directory', async () => {
    const dir = realpathSync(tmpdir());
    const done = await run(['sh', '-c', 'echo "$GREETING|$HOME|$(pwd)"'], {
      env: { GREETING: 'hello', PATH: process.env['PATH'] },
      cwd: dir,
      stdout: PIPE,
      text: true,
    });
    assert.equal(done.stdout, `hello||${dir}\n`);
  });

  it('run() - stderr STDOUT merges both into stdout, in the order written', async () => {
    const done = await run(['sh', '-c', 'echo 1; echo 2 >&2; echo 3; echo 4 >&2'], {
      stdout: PIPE,
      stderr: STDOUT,
      text: true,
    });
    assert.deepEqual([done.stdout, done.stderr], ['1\n2\n3\n4\n', null]);
    const shell = await run('echo a; echo b >&2', {
      shell: true,
      stdout: PIPE,
      stderr: STDOUT,
      text: true,
    });
    assert.equal(shell.stdout, 'a\nb\n');
  });

  it('run() - DEVNULL: stdin reads nothing, output is thrown away', async () => {
    const done = await run(['cat'], { stdin: DEVNULL, stdout: PIPE, text: true });
    assert.equal(done.stdout, '');
    const quiet = await run(['sh', '-c', 'echo lost'], { stdout: DEVNULL });
    assert.deepEqual([quiet.returncode, quiet.stdout], [0, null]);
  });

  it('run() - output is never truncated (8 MB, past any maxBuffer)', async () => {
    const done = await run(['head', '-c', '8000000', '/dev/zero'], { stdout: PIPE });
    assert.equal(done.stdout?.length, 8_000_000);
  });

  it('run() - refuses bad arguments with the usual messages', async () => {
    await assert.rejects(run([]), {
      name: 'ArgumentRangeError',
      message: 'Expected `args` to be a non-empty array of strings, got `array` (object)',
    });
    await assert.rejects(run(['true'], { timeout: 'soon' as unknown as number }), {
      name: 'ArgumentTypeError',
    });
    await assert.rejects(run(['true'], { stdin: STDOUT }), { name: 'ArgumentRangeError' });
  });
});

describe('call(), checkCall(), checkOutput()', () => {
  it('call() - returns the return code', async () => {
    assert.deepEqual(
      [await call(['true']), await call(['false']), await call(['sh', '-c', 'kill $$'])],
      [0, 1, -15],
    );
  });

  it('call() - a timeout kills the child and throws TimeoutExpiredError', async () => {
    await assert.rejects(call(['sleep', '1000'], { timeout: 100 }), {
      name: 'TimeoutExpiredError',
      cmd: ['sleep', '1000'],
      timeout: 100,
      output: null,
    });
  });

  it('checkCall() - 0, or CalledProcessError without output', async () => {
    assert.equal(await checkCall(['true']), 0);
    await assert.rejects(checkCall(['sh', '-c', 'exit 4']), {
      name: 'CalledProcessError',
      returncode: 4,
      output: null,
      stderr: null,
    });
  });

  it('checkOutput() - the stdout, or CalledProcessError with it', async () => {
    assert.equal(await checkOutput(['echo', 'hi'], { text: true }), 'hi\n');
    assert.deepEqual(await checkOutput(['cat'], { input: 'x' }), Buffer.from('x'));
    await assert.rejects(checkOutput(['sh', '-c', 'echo so far; exit 1'], { text: true }), {
      name: 'CalledProcessError',
      returncode: 1,
      output: 'so far\n',
    });
    await assert.rejects(checkOutput(['true'], { stdout: PIPE } as object), {
      name: 'ArgumentRangeError',
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });
});
