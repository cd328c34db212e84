/**
 * Child programs started by a test file: every one is stopped and waited for in `after`,
 * and the file then checks that none of them (nor any grandchild it recorded) is left.
 */
import { readFileSync } from 'node:fs';
import type { Popen } from '../../src/index.ts';

/**
 * A process's state letter from /proc (`R`, `S`, `Z`…), or `null` once it is gone. A zombie
 * whose parent died is being reaped by init, so `Z` counts as gone too.
 */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the command may hold spaces and parentheses; the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

export function isGone(pid: number): boolean {
  const state = processState(pid);
  return state === null || state === 'Z' || state === 'X';
}

/**
 * Polls until `pid` is gone, for at most `limitMs`; whether it went. A process closes its
 * files before the kernel marks it a zombie, so a pipe's end can be seen a moment before the
 * process that held it counts as gone: wait on the process itself.
 */
export async function goneWithin(pid: number, limitMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (!isGone(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** The children a test file started, and the grandchildren it learned of. */
export class Children {
  readonly #popens: Popen<boolean>[] = [];
  readonly #pids = new Set<number>();

  /** Records a Popen (returned as is) so that `stopAll` reaps it. */
  track<P extends Popen<boolean>>(popen: P): P {
    this.#popens.push(popen);
    this.#pids.add(popen.pid);
    return popen;
  }

  /** Records a process the test did not start itself (a grandchild). */
  trackPid(pid: number): void {
    this.#pids.add(pid);
  }

  /**
   * Kills what still runs (with its group where it leads one) and waits for it; then lists
   * the recorded processes still alive, and kills them.
   */
  async stopAll(): Promise<number[]> {
    for (const popen of this.#popens) {
      try {
        popen.kill({ group: true });
      } catch {
        popen.kill(); // Not a group leader.
      }
      popen.stdout?.destroy();
      popen.stderr?.destroy();
      popen.stdin?.destroy();
      await popen.wait();
    }
    const left = [...this.#pids].filter((pid) => !isGone(pid));
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL'); // A grandchild outside any group we started.
      } catch {
        // Gone meanwhile.
      }
    }
    return left;
  }
}
