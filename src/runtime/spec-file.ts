/**
 * Handing a new process its start record through a file, so that starting a child does not
 * depend on this process's event loop: the spec is written before `fork()`, and the child
 * reads it as it starts. (Sent over IPC, it would have to wait for the child to listen,
 * and a main thread that blocked right after `start()` would never send it.)
 *
 * Files live in a private directory (mode 0700) on `/dev/shm` where there is one, else in
 * the temporary directory; the child removes its file once read, and the parent removes it
 * when the child exits, whichever comes first, and the directory at exit. Directories of
 * parents that were killed are removed by the next process that starts children.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { removeStaleEntries } from '../internal/stale-files.ts';
import type { ChildStart } from './protocol.ts';

let directory: string | undefined;
let counter = 0;

function specDirectory(): string {
  if (directory !== undefined) return directory;
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  // Left by parents that were killed before their exit handler could run.
  removeStaleEntries(base, /^multitask-(\d+)-[A-Za-z0-9]{6}$/);
  const made = mkdtempSync(join(base, `multitask-${process.pid}-`));
  directory = made;
  process.once('exit', () => {
    rmSync(made, { recursive: true, force: true });
  });
  return made;
}

/** Writes `spec` to a new file readable only by this user; returns its path. */
export function writeSpecFile(spec: ChildStart): string {
  const path = join(specDirectory(), `spec-${++counter}`);
  writeFileSync(path, serialize(spec), { mode: 0o600 });
  return path;
}

/** Reads and removes a spec file written by {@link writeSpecFile}. */
export function takeSpecFile(path: string): ChildStart {
  try {
    return deserialize(readFileSync(path)) as ChildStart;
  } finally {
    rmSync(path, { force: true });
  }
}

/** Removes a spec file whose child never read it. */
export function discardSpecFile(path: string): void {
  rmSync(path, { force: true });
}
