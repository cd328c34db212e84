/**
 * Names and identities of pool workers, as Python names them: `SpawnPoolWorker-N` for
 * `Pool`, `Thread-N (worker)` for `ThreadPool`, `ThreadPoolExecutor-K_i` and
 * `SpawnProcess-N` for the executors.
 */
import {
  nextChildProcessPath,
  nextThreadNumber,
  processChildIdentity,
  threadChildIdentity,
  type InheritedIdentity,
} from '../runtime/identity.ts';

/** The identity of a pool's worker thread named `name`; pool threads are daemons. */
export function threadWorkerIdentity(name: string): InheritedIdentity {
  return threadChildIdentity(name, true);
}

/** A new worker process's name (`prefix-N`) and identity. */
export function processWorkerIdentity(
  prefix: string,
  daemon: boolean,
): { name: string; identity: InheritedIdentity } {
  const path = nextChildProcessPath();
  const name = `${prefix}-${path.join(':')}`;
  return { name, identity: processChildIdentity(name, path, daemon) };
}

/** `Thread-N (worker)`, as Python's ThreadPool threads are named. */
export function threadPoolWorkerName(): string {
  return `Thread-${nextThreadNumber()} (worker)`;
}
