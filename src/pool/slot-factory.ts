/**
 * What every worker of an engine starts with: the initializer and its arguments (checked and
 * encoded once, for all of them), the spin budget its threads share, and, for an executor,
 * claim words of its own (claim-ring.ts). Apart from engine.ts because all of it is settled
 * when the pool is made and read only as a worker starts, never per task.
 */
import type { ResourceLimits } from 'node:worker_threads';
// Installs the process bridge: shared objects sent to processes go through the broker.
import '../broker/broker.ts';
import { nativeAddon } from '../memory/native.ts';
import { encodeShared } from '../memory/shared-object.ts';
import type { InheritedIdentity } from '../runtime/identity.ts';
import { kindModulesOf } from '../runtime/kind-modules.ts';
import type { TargetSpec } from '../runtime/protocol.ts';
import { targetSpec } from '../runtime/target.ts';
import { assertCloneable } from '../transport/cloneable.ts';
import { ClaimRing } from './claim-ring.ts';
import type { EngineOptions } from './engine-options.ts';
import { workerSpinBudget } from './pacing.ts';
import { MAX_BATCH } from './tuning.ts';
import { WorkerSlot, type SlotEvents, type WorkerKind } from './worker-slot.ts';

/** Starts the workers of one engine, each with what the engine's options say. */
export class SlotFactory {
  readonly #kind: WorkerKind;
  readonly #initializer: TargetSpec;
  readonly #initargs: readonly unknown[];
  /** The modules of the kinds of shared object in `#initargs` (runtime/kind-modules.ts). */
  readonly #initKinds: readonly string[];
  /** Thread workers spin while idle, while busy and spinning ones leave a CPU free. */
  readonly #spin: { readonly count: SharedArrayBuffer; readonly max: number } | null;
  readonly #resourceLimits: ResourceLimits | undefined;
  /** Each worker gets claim words (executors, when the workers can share memory). */
  readonly claims: boolean;

  /**
   * Checks and encodes the initializer and `initargs`.
   * @throws {PicklingError} for initargs that cannot be sent, or an inline initializer that
   * captures variables.
   */
  constructor(options: EngineOptions) {
    this.#kind = options.kind;
    this.#initializer = targetSpec(options.initializer, 'initializer');
    // Shared objects in initargs are exported once, for every worker.
    this.#initargs = encodeShared(options.initargs, options.kind) as readonly unknown[];
    assertCloneable(this.#initargs, 'initargs', options.kind);
    this.#initKinds = kindModulesOf(this.#initargs);
    this.#spin = options.spin !== false ? workerSpinBudget(options.kind) : null;
    this.#resourceLimits = options.resourceLimits;
    // A process maps claim words only through the native addon; with the broker, a task is
    // marked running as it is sent, and sent only when its worker is about to be free.
    this.claims = options.claims === true && (options.kind === 'thread' || nativeAddon() !== null);
  }

  /** Starts a worker named `name`, the `started`-th of its engine, which `events` hears from. */
  start(
    name: string,
    identity: InheritedIdentity,
    events: SlotEvents,
    started: number,
  ): WorkerSlot {
    const kind = this.#kind;
    const { ring, claims } = this.claims
      ? ClaimRing.forWorker(kind, MAX_BATCH)
      : { ring: null, claims: null };
    return new WorkerSlot(
      name,
      kind,
      {
        identity,
        initializer: this.#initializer,
        initargs: this.#initargs,
        spin: this.#spin,
        claims,
        kindModules: this.#initKinds,
      },
      ring,
      this.#resourceLimits,
      events,
      started,
    );
  }
}
