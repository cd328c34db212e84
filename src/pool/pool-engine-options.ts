/**
 * How the options of `new Pool()` and `new ThreadPool()` become their engine's: each option
 * checked, with Python's defaults (`cpuCount()` workers, no limits); a worker that dies
 * failing only its own tasks and being replaced, an initializer that fails breaking the
 * pool; and the workers named as Python names them. Apart from pool.ts, which holds
 * Python's `Pool` API over the engine, because it runs once, as a pool is made.
 */
import { WorkerLostError, WorkerStartError } from '../errors.ts';
import { assertBoolean, typeError } from '../internal/validate.ts';
import { cpuCount } from '../threading/current.ts';
import type { EngineOptions } from './engine-options.ts';
import {
  parseMaxQueueSize,
  parseMaxTasksPerChild,
  parseWorkerCount,
  POOL_OPTIONS,
  readOptions,
  type PoolOptions,
} from './options.ts';
import type { WorkerKind } from './worker-slot.ts';
import {
  processWorkerIdentity,
  threadPoolWorkerName,
  threadWorkerIdentity,
} from './workers-identity.ts';

/**
 * The engine options of a pool of `kind` workers, from its constructor's `options` (their
 * number, or {@link PoolOptions}); `where` names the constructor in errors.
 * @throws {ArgumentTypeError} for an unknown option, or a value of the wrong type.
 * @throws {ArgumentRangeError} for a count or a limit out of range, with Python's messages.
 */
export function poolEngineOptions(
  kind: WorkerKind,
  options: number | PoolOptions | undefined,
  where: string,
): EngineOptions {
  const opts = readOptions<PoolOptions>(options, 'processes', POOL_OPTIONS, where);
  const workers = parseWorkerCount(opts.processes, 'processes', cpuCount());
  const max = parseMaxTasksPerChild(opts.maxTasksPerChild);
  const { initializer } = opts;
  if (
    initializer !== undefined &&
    typeof initializer !== 'function' &&
    typeof initializer !== 'object'
  ) {
    throw typeError('initializer', 'a function or a task reference', initializer);
  }
  const spin = opts.spin === undefined ? true : opts.spin;
  assertBoolean(spin, 'spin');
  return {
    kind,
    workers,
    eager: true,
    initializer,
    initargs: opts.initargs ?? [],
    maxTasksPerChild: max,
    maxInFlight: Infinity,
    maxQueueSize: parseMaxQueueSize(opts.maxQueueSize),
    resourceLimits: opts.resourceLimits,
    spin,
    death: {
      kind: 'replace',
      lost: (worker, exitCode, crash) =>
        new WorkerLostError(
          `Worker ${worker} exited with code ${exitCode} while running this task`,
          exitCode,
          crash === undefined ? undefined : { cause: crash },
        ),
    },
    initializerFailed: (worker, error) =>
      new WorkerStartError(
        'ERR_INITIALIZER_FAILED',
        `The initializer failed in ${worker}; the pool is not usable anymore`,
        { cause: error },
      ),
    nextIdentity:
      kind === 'thread'
        ? () => {
            const name = threadPoolWorkerName();
            return { name, identity: threadWorkerIdentity(name) };
          }
        : () => processWorkerIdentity('SpawnPoolWorker', true),
  };
}
