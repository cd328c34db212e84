/**
 * The child entry files as `npm run build` ships them: bundled with what they import
 * statically (scripts/bundle-entries.mjs), so that a child loads a few modules instead of a
 * dozen. The modules inlined there keep their state on `globalThis` (internal/realm-state.ts),
 * shared with the copies the user's code loads through dist/index.js: a Thread and a Process
 * started from such a build must still know who they are, hold an owner id for locks, and
 * wait for their non-daemon children before they end.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The task module the built program runs, beside its dist/. */
const TASKS = `
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { currentProcess, currentThread, Lock, Thread, taskRef } from './dist/index.js';

export function report(out) {
  const lock = new Lock();
  lock.acquire();
  lock.release();
  appendFileSync(out, JSON.stringify([currentProcess().name, currentThread().name]) + '\\n');
  // A non-daemon child the entry must wait for before its realm ends.
  new Thread({ target: taskRef(import.meta.url, 'late'), args: [out], name: 'late' }).start();
}

export async function late(out) {
  await sleep(50);
  appendFileSync(out, JSON.stringify(['late', currentThread().name]) + '\\n');
}
`;

/** The program: a Thread, then a Process, each running `report`. */
const PROGRAM = `
import { Process, Thread, taskRef } from './dist/index.js';
const out = process.argv[2];
const target = taskRef(new URL('./tasks.mjs', import.meta.url), 'report');
for (const Kind of [Thread, Process]) {
  const child = new Kind({ target, args: [out], name: Kind.name + '-child' });
  child.start();
  await child.join();
  if (child.exitCode !== 0) throw new Error(Kind.name + ' exited with ' + child.exitCode);
}
`;

describe('bundled child entries (npm run build)', () => {
  let dir = '';
  let dist = '';

  before(() => {
    mkdirSync(join(root, '.tmp'), { recursive: true });
    dir = mkdtempSync(join(root, '.tmp', 'bundled-'));
    dist = join(dir, 'dist');
    // At the depth of dist/, so that the build finds the native addon as dist/ does.
    symlinkSync(join(root, 'native'), join(dir, 'native'));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [
      tsc,
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      dist,
      '--declaration',
      'false',
      '--sourceMap',
      'false',
      '--inlineSources',
      'false',
    ]);
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle-entries.mjs'), dist]);
    writeFileSync(join(dir, 'tasks.mjs'), TASKS);
    writeFileSync(join(dir, 'program.mjs'), PROGRAM);
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('inline what the entries import statically, but the native addon loader', () => {
    for (const entry of [
      'runtime/entry/thread-main.js',
      'runtime/entry/process-main.js',
      'threading/entry/run-target.js',
    ]) {
      const code = readFileSync(join(dist, entry), 'utf8');
      const relative = [...code.matchAll(/^import [^;]*?from ["'](\.[^"']+)["']/gm)].map(
        (match) => match[1],
      );
      const expected = entry.includes('process-main') ? ['../../memory/native.js'] : [];
      assert.deepEqual(relative, expected, entry);
    }
  });

  it('a Thread and a Process from the build know who they are and join their children', () => {
    const out = join(dir, 'out.jsonl');
    // Plain node, no loader: the build as a user runs it.
    execFileSync(process.execPath, [join(dir, 'program.mjs'), out], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as [string, string]);
    assert.deepEqual(lines, [
      ['MainProcess', 'Thread-child'],
      ['late', 'late'],
      ['Process-child', 'MainThread'],
      ['late', 'late'],
    ]);
  });
});
