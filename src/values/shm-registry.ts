/**
 * Nothing left behind: what Python's resource tracker does for `SharedMemory`. Every segment
 * a process creates is recorded, as `<inode> <name>` lines, in its registry file
 * `/dev/shm/mt-registry-<pid>` (one per process, appended to by every realm of it). When
 * the main thread exits (normally or by an uncaught error), the segments it lists are
 * unlinked, those this process unlinked itself or that another file now holds (a different
 * inode) excepted, and the registry goes too. After a `kill -9`, the next process that
 * creates a segment sweeps for it: the registries of dead pids are replayed the same way,
 * and generated names (`mt_<pid>_<hex>`) of dead pids are unlinked.
 */
import { appendFileSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { removeStaleEntries } from '../internal/stale-files.ts';

/** Where named segments live. */
export const SHM_DIR = '/dev/shm';
/** A name this library generates: `mt_<pid>_<hex>`. */
export const GENERATED_NAME = /^mt_(\d+)_[0-9a-f]+$/;
const REGISTRY = /^mt-registry-(\d+)$/;

function registryOf(pid: number): string {
  return join(SHM_DIR, `mt-registry-${pid}`);
}

/** Records a segment this process created, to be unlinked at its exit if still there. */
export function recordCreated(name: string, inode: number): void {
  appendFileSync(registryOf(process.pid), `${inode} ${name}\n`);
}

/** Unlinks the segments `registry` lists whose inode is still theirs, then the registry. */
function replay(registry: string): void {
  let text = '';
  try {
    text = readFileSync(registry, 'utf8');
  } catch {
    return;
  }
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const path = join(SHM_DIR, line.slice(space + 1));
    try {
      if (statSync(path).ino === Number(line.slice(0, space))) rmSync(path, { force: true });
    } catch {
      // unlinked already
    }
  }
  rmSync(registry, { force: true });
}

/** Unlinks what killed processes left behind (see the module's comment). */
export function sweepStaleSegments(): void {
  removeStaleEntries(SHM_DIR, GENERATED_NAME);
  let names: string[];
  try {
    names = readdirSync(SHM_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(REGISTRY.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    replay(join(SHM_DIR, name));
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

let hooked = false;

/** Arranges for this process's segments to be unlinked when its main thread exits. */
export function unlinkAtExit(): void {
  if (hooked || !isMainThread) return;
  hooked = true;
  process.on('exit', () => {
    replay(registryOf(process.pid));
  });
}
