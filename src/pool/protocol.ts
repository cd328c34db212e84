/**
 * What a pool says to its workers and what they answer. Tasks and results travel in
 * batches, flattened into plain arrays, so that a burst of small tasks costs one message per
 * batch rather than one per task.
 */
import type { ArenaReference } from '../memory/arena.ts';
import type { WireError } from '../transport/wire.ts';
import type { InheritedIdentity } from '../runtime/identity.ts';
import type { TargetSpec } from '../runtime/protocol.ts';

/** How a task calls its target: `target(...args)`; the payload is the argument list. */
export const MODE_APPLY = 0;
/** A chunk of `map`/`imap`: `payload.map((item) => target(item))`. */
export const MODE_MAP = 1;
/** A chunk of `starmap`: `payload.map((args) => target(...args))`. */
export const MODE_STARMAP = 2;
export type TaskMode = typeof MODE_APPLY | typeof MODE_MAP | typeof MODE_STARMAP;

/** Set in a task's mode when its payload holds shared-object envelopes to rebuild. */
export const DECODE_FLAG = 4;

/** The bits of a task's mode that hold its `TaskMode`. */
export const MODE_KIND_MASK = 3;

/**
 * An executor's task carries its claim word's index + 1 in the mode's bits from this one up
 * (0: no claim word, a pool's task): the worker claims it before running the task, and skips
 * the task if the word was cancelled or revoked (see memory/claim-word.ts).
 */
export const CLAIM_SHIFT = 3;

/** The `ok` field of a result: the worker skipped the task, cancelled or revoked before it ran. */
export const RESULT_SKIPPED = 2;

/** Fields per task in {@link TasksMessage.tasks}: id, target key, mode, payload. */
export const TASK_FIELDS = 4;

/**
 * Fields per result in {@link ResultsMessage.results}: id, ok (1, 0, or
 * {@link RESULT_SKIPPED}), value or error.
 */
export const RESULT_FIELDS = 3;

/**
 * Everything a pool worker needs before its first task. The identity goes to the runtime's
 * bootstrap; the rest, {@link WorkerData}, to the worker loop.
 */
export interface WorkerInit {
  readonly identity: InheritedIdentity;
  readonly initializer: TargetSpec;
  /** Arguments of the initializer, shared objects as envelopes. */
  readonly initargs: readonly unknown[];
  /**
   * Thread workers only: `count[0]` counts the pool's workers that are busy or spinning; an
   * idle worker spins only while that count, itself included, is at most `max` (one less
   * than the CPUs), which leaves a CPU for the thread that submits. `null`: never spin.
   */
  readonly spin: { readonly count: SharedArrayBuffer; readonly max: number } | null;
  /**
   * Executors only: the worker's claim words (see memory/claim-word.ts), the buffer itself
   * for a thread, where its arena lies for a process; `null`: tasks carry no claim word.
   */
  readonly claims: SharedArrayBuffer | ArenaReference | null;
  /**
   * The modules that register the kinds of shared object in `initargs`
   * (runtime/kind-modules.ts): a worker loads no other kind until a task brings one.
   */
  readonly kindModules: readonly string[];
}

/** The worker loop's start data (`worker-loop.ts` `main`). */
export type WorkerData = Omit<WorkerInit, 'identity'>;

/** A batch of tasks, with the targets this worker has not seen yet. */
export interface TasksMessage {
  readonly type: 'tasks';
  /** `[key, spec]` pairs: each target once per worker. */
  readonly targets: readonly (readonly [number, TargetSpec])[];
  /**
   * The modules of the kinds of shared object in these tasks that this worker has not been
   * sent yet (runtime/kind-modules.ts): it imports them before it runs the tasks.
   */
  readonly kindModules: readonly string[];
  /** {@link TASK_FIELDS} entries per task. */
  readonly tasks: readonly unknown[];
}

/** Parent to worker. */
export type ToWorker =
  | TasksMessage
  /** Finish the tasks already sent, then exit. */
  | { readonly type: 'stop' };

/** Results, {@link RESULT_FIELDS} entries each. */
export interface ResultsMessage {
  readonly type: 'results';
  readonly results: unknown[];
}

/** Worker to parent. */
export type FromWorker =
  /** The initializer ran: tasks may come. */
  | { readonly type: 'ready' }
  | { readonly type: 'init-failed'; readonly error: WireError }
  | ResultsMessage;
