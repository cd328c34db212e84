/**
 * The bootstrapping guard (issue 19): a single-file program whose top level starts a thread
 * or process with a task of its own module would make every child start another, for ever.
 * The start in the child is refused; the `isMainModule(import.meta)` idiom runs once.
 * Each program runs in a child process that is killed once it has started more than three
 * workers, so the test ends even when the guard fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ArgumentTypeError, isMainModule } from '../../src/index.ts';

const PROGRAM = fileURLToPath(new URL('./fixtures/single-file.ts', import.meta.url));
const MAX_STARTS = 3;

interface Run {
  readonly stdout: string[];
  readonly stderr: string;
  readonly code: number | null;
}

/** Runs the program, killing it once it has started more than `MAX_STARTS` workers. */
async function runProgram(backend: string, mode: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', PROGRAM], {
    env: { ...process.env, SINGLE_FILE: `${backend},${mode}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.split('\n').filter((line) => line.startsWith('started ')).length > MAX_STARTS) {
      child.kill('SIGKILL');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    // An unguarded start that goes through prints one failure per extra worker.
    if (stderr.split('\nException in thread ').length > MAX_STARTS + 1) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { stdout: stdout.split('\n').filter((line) => line !== ''), stderr, code };
}

for (const backend of ['thread', 'process'] as const) {
  const name = backend === 'thread' ? 'Thread-1 (work)' : 'Process-1';
  describe(`single-file program, ${backend}`, () => {
    it('refuses the start made while a child imports the main module (ERR_BOOTSTRAPPING)', async () => {
      const run = await runProgram(backend, 'unguarded');
      assert.deepEqual(run.stdout, [`started ${name}`, 'exit 1 value 0']);
      assert.equal(run.code, 0);
      assert.match(run.stderr, new RegExp(`An attempt has been made to start a new ${backend}`));
      assert.match(run.stderr, /isMainModule\(import\.meta\)/);
      assert.equal(run.stderr.split('StateError: An attempt').length, 2, run.stderr);
    });

    it('runs once under isMainModule(import.meta)', async () => {
      const run = await runProgram(backend, 'guarded');
      assert.deepEqual(run.stdout, [`started ${name}`, 'exit 0 value 42']);
      assert.equal(run.code, 0);
      assert.equal(run.stderr, '');
    });
  });
}

describe('isMainModule', () => {
  it('is false for a module that is not the program main', () => {
    assert.equal(isMainModule({ url: new URL('./other.ts', import.meta.url).href }), false);
    assert.equal(isMainModule({ url: 'data:text/javascript,' }), false);
  });

  it('refuses what is not an import.meta', () => {
    assert.throws(
      () => isMainModule('file:///x.ts' as unknown as ImportMeta),
      (error: unknown) =>
        error instanceof ArgumentTypeError &&
        error.code === 'ERR_INVALID_ARG_TYPE' &&
        error.message.includes('`meta`'),
    );
  });
});
