/**
 * runSync() and the Sync forms of call, checkCall and checkOutput: the same options and
 * rules as run(), without the event loop.
 */
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import {
  callSync,
  checkCallSync,
  checkOutputSync,
  CompletedProcess,
  FileNotFoundError,
  PIPE,
  runSync,
  STDOUT,
  TimeoutExpiredError,
} from '../../src/index.ts';
import { isGone } from '../helpers/children.ts';

describe('runSync()', () => {
  it('runSync() - captureOutput, bytes and text', () => {
    const bytes = runSync(['sh', '-c', 'printf out; printf err >&2'], { captureOutput: true });
    assert.ok(bytes instanceof CompletedProcess);
    assert.deepEqual([bytes.stdout, bytes.stderr], [Buffer.from('out'), Buffer.from('err')]);
    const text = runSync(['sh', '-c', String.raw`printf 'a\r\nb'`], { stdout: PIPE, text: true });
    assert.deepEqual([text.returncode, text.stdout, text.stderr], [0, 'a\nb', null]);
  });

  it('runSync() - input, from a string or a sync iterable', () => {
    assert.equal(runSync(['cat'], { input: 'hé', stdout: PIPE, text: true }).stdout, 'hé');
    const chunks = runSync(['cat'], { input: ['a', Buffer.from('b')], stdout: PIPE });
    assert.deepEqual(chunks.stdout, Buffer.from('ab'));
  });

  it('runSync() - check, negative return codes, merged stderr', () => {
    assert.throws(() => runSync(['sh', '-c', 'echo x; exit 3'], { stdout: PIPE, check: true }), {
      name: 'CalledProcessError',
      returncode: 3,
      output: Buffer.from('x\n'),
    });
    assert.equal(runSync(['sh', '-c', 'kill -KILL $$']).returncode, -9);
    const merged = runSync(['sh', '-c', 'echo 1; echo 2 >&2'], {
      stdout: PIPE,
      stderr: STDOUT,
      text: true,
    });
    assert.equal(merged.stdout, '1\n2\n');
  });

  it('runSync() - a timeout kills the child, then throws with its output', () => {
    const error = (() => {
      try {
        runSync(['sh', '-c', 'echo $$; exec sleep 1000'], {
          stdout: PIPE,
          text: true,
          timeout: 300,
        });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    assert.ok(error instanceof TimeoutExpiredError);
    assert.equal(error.timeout, 300);
    const output = error.output as string;
    assert.match(output, /^(\d+\n)?$/);
    if (output !== '') assert.ok(isGone(Number(output)));
  });

  it('runSync() - a missing program throws FileNotFoundError', () => {
    assert.throws(() => runSync(['multitask-no-such-program']), FileNotFoundError);
  });

  it('runSync() - env and cwd', () => {
    const dir = realpathSync(tmpdir());
    const done = runSync(['sh', '-c', 'echo "$X $(pwd)"'], {
      env: { X: 'y', PATH: process.env['PATH'] },
      cwd: dir,
      stdout: PIPE,
      text: true,
    });
    assert.equal(done.stdout, `y ${dir}\n`);
  });

  it('runSync() - output is never truncated (8 MB, past spawnSync’s default maxBuffer)', () => {
    const done = runSync(['head', '-c', '8000000', '/dev/zero'], { stdout: PIPE });
    assert.deepEqual([done.returncode, done.stdout?.length], [0, 8_000_000]);
  });

  it('callSync(), checkCallSync(), checkOutputSync()', () => {
    assert.deepEqual([callSync(['true']), callSync(['false'])], [0, 1]);
    assert.equal(checkCallSync(['true']), 0);
    assert.throws(() => checkCallSync(['false']), { name: 'CalledProcessError', returncode: 1 });
    assert.equal(checkOutputSync(['echo', 'hi'], { text: true }), 'hi\n');
    assert.throws(() => callSync(['sleep', '1000'], { timeout: 100 }), TimeoutExpiredError);
  });
});
