/**
 * Names and identities of pool workers, as Python names them: `SpawnPoolWorker-N` for
 * `Pool`, `Thread-N (worker)` for `ThreadPool`, `ThreadPoolExecutor-K_i` and
 * `SpawnProcess-N` for the executors.
 */
import {
  currentProcessIdentity,
  nextProcessNumber,
  nextThreadNumber,
  sharedCounters,
  type InheritedIdentity,
} from '../runtime/identity.ts';

/** The identity of a pool's worker thread named `name`; pool threads are daemons. */
export function threadWorkerIdentity(name: string): InheritedIdentity {
  return {
    process: currentProcessIdentity(),
    thread: { name, daemon: true },
    counters: sharedCounters(),
  };
}

/** A new worker process's name (`prefix-N`) and identity. */
export function processWorkerIdentity(
  prefix: string,
  daemon: boolean,
): { name: string; identity: InheritedIdentity } {
  const parent = currentProcessIdentity();
  const n = nextProcessNumber();
  const name = `${prefix}-${[...parent.path, n].join(':')}`;
  return {
    name,
    identity: {
      process: {
        name,
        path: [...parent.path, n],
        daemon,
        parent: { name: parent.name, pid: process.pid },
      },
      thread: { name: 'MainThread', daemon: false },
      counters: null,
    },
  };
}

/** `Thread-N (worker)`, as Python's ThreadPool threads are named. */
export function threadPoolWorkerName(): string {
  return `Thread-${nextThreadNumber()} (worker)`;
}
