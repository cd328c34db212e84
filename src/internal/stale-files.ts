/**
 * Cleaning up after processes that were killed: files and directories named after a
 * process id (sockets, named pipes, spec directories) that outlived their process.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Removes the entries of `dir` whose names match `pattern` (its first group: a process id)
 * and whose process no longer runs. Entries of running processes, this one included, stay.
 */
export function removeStaleEntries(dir: string, pattern: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        rmSync(join(dir, name), { recursive: true, force: true });
      }
    }
  }
}
