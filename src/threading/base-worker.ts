/**
 * The lifecycle that Thread and Process share: one API, two backends (DESIGN decision 1).
 * This class owns the state machine, naming, validation and error reporting; a backend
 * only launches the child and reports its exit. What its constructors and `join()` are
 * given is read in `worker-options.ts`.
 */
import { StateError } from '../errors.ts';
import {
  kCheckUsable,
  kChildIdentity,
  kKind,
  kLaunch,
  kMessages,
  kRebuild,
  kRevive,
} from '../internal/symbols.ts';
import { publishWorkerState, workerChannel, type WorkerState } from '../internal/channels.ts';
import { siblingModule } from '../internal/loader-hooks.ts';
import { waitUntil } from '../internal/timers.ts';
import { defineRepr } from '../internal/repr.ts';
import { assertBoolean, assertString, parseTimeout } from '../internal/validate.ts';
// Installs the process bridge: shared objects sent to processes go through the broker.
import '../broker/broker.ts';
import { encodeShared } from '../memory/shared-object.ts';
import { assertCloneable } from '../transport/cloneable.ts';
import { errorFromWire } from '../transport/wire.ts';
import type { Child, ChildEvents, LaunchOptions, StopHow } from '../runtime/child.ts';
import { moduleOfClass, registerClass } from '../runtime/class-registry.ts';
import { kindModulesOf } from '../runtime/kind-modules.ts';
import { reportUncaught } from './excepthook.ts';
import type { InheritedIdentity } from '../runtime/identity.ts';
import type { ChildMessage, InstanceSpec, RunSpec, TargetSpec } from '../runtime/protocol.ts';
import { forgetChild, rememberChild } from './children.ts';
import { waitsOnOf } from './waits-on.ts';
import { workerRepr } from './worker-repr.ts';
import {
  backendOf,
  readJoinOptions,
  readWorkerOptions,
  type JoinOptions,
  type ReviveInfo,
  type RevivedOptions,
  type WorkerOptions,
} from './worker-options.ts';
import {
  callTarget,
  isTaskRef,
  loadTask,
  targetSpec,
  type AnyFunction,
  type Target,
} from '../runtime/target.ts';

/** The payload every Thread and Process runs in its child: it calls the target or `run()`. */
export const RUN_TARGET = siblingModule(import.meta.url, './entry/run-target');

/** What a backend's launcher is told, beside the child's events. */
export type BackendLaunch = Omit<LaunchOptions, 'resourceLimits' | 'handle'>;

/** The messages a backend uses for misuse, Python's words. */
export interface LifecycleMessages {
  readonly startTwice: string;
  readonly joinBeforeStart: string;
  readonly joinCurrent: string;
  readonly daemonAfterStart: string;
  readonly notStartedStop: string;
}

type State = 'initial' | 'started' | 'stopped' | 'current';

/** The shared lifecycle of {@link Thread} and {@link Process}. */
export abstract class BaseWorker<F extends AnyFunction = AnyFunction> {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  #name: string;
  #daemon: boolean;
  #target: Target | undefined;
  #targetSpec: TargetSpec;
  #args: readonly unknown[];
  #state: State = 'initial';
  #exitCode: number | null = null;
  #ident: number | null = null;
  #child: Child<never> | null = null;
  /** How many join() calls are waiting on a daemon child (see Child.keepAlive). */
  #joiners = 0;
  readonly #stopped: Promise<void>;
  #markStopped: () => void = () => undefined;

  static {
    defineRepr(BaseWorker, (worker) =>
      workerRepr({
        className: worker.constructor.name,
        kind: worker[kKind](),
        name: worker.#name,
        state: worker.#state,
        daemon: worker.#daemon,
        ident: worker.#ident,
        exitCode: worker.#exitCode,
      }),
    );
  }

  /** Registers a subclass that overrides `run()`, so that its children can rebuild it. */
  static register(this: abstract new (...args: never[]) => BaseWorker, module: string | URL): void {
    registerClass(this, module instanceof URL ? module.href : module);
  }

  protected constructor(
    options: WorkerOptions<F> | undefined,
    defaultName: (target: Target | undefined) => string,
    defaultDaemon: boolean,
  ) {
    this.#stopped = new Promise<void>((resolve) => {
      this.#markStopped = resolve;
    });
    if (options !== undefined && kRevive in options) {
      // The argument of BaseWorker[kRebuild], which no public signature shows.
      // Rebuilt in its own thread or process: this object *is* the running worker.
      const info = (options as RevivedOptions)[kRevive];
      this.#state = 'current';
      this.#name = info.name;
      this.#daemon = info.daemon;
      this.#targetSpec = info.target;
      this.#args = info.args;
      this.#target = undefined;
      return;
    }
    const where = `new ${this.constructor.name}()`;
    const { target, name, daemon, args = [] } = readWorkerOptions(options, where);
    this.#target = target;
    this.#targetSpec = targetSpec(target);
    this.#args = args;
    this.#name = name ?? defaultName(target);
    this.#daemon = daemon ?? defaultDaemon;
    if (this.run !== BaseWorker.prototype.run && moduleOfClass(this.constructor) === undefined) {
      const cls = this.constructor.name;
      throw new StateError(
        'ERR_NOT_REGISTERED',
        `Class \`${cls}\` overrides run() but is not registered: add ` +
          `\`static { this.register(import.meta.url); }\` to its body`,
      );
    }
  }

  /** The worker's name, for messages and `currentThread().name`. Python's `name`. */
  get name(): string {
    return this.#name;
  }

  set name(value: string) {
    assertString(value, 'name');
    this.#name = value;
  }

  /**
   * Whether this is a daemon. The program does not wait for daemon threads and processes
   * at exit: they are stopped. Settable only before `start()`.
   */
  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(value: boolean) {
    assertBoolean(value, 'daemon');
    if (this.#state !== 'initial') {
      throw new StateError('ERR_DAEMON_AFTER_START', this[kMessages]().daemonAfterStart);
    }
    this.#daemon = value;
  }

  /**
   * How the worker ended: 0 after a normal return, 1 after an uncaught error, `n` after
   * `process.exit(n)`, `-signal` when stopped (-15 for `terminate()`, -9 for `kill()`).
   * `null` before it starts and while it runs.
   */
  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** @internal The thread id or pid, `null` before start. */
  protected get ident(): number | null {
    return this.#ident;
  }

  /**
   * `new` before `start()`, `running` until it ends, `done` after; `blocked` in a wait without
   * a deadline while waits are watched (`MULTITASK_DEBUG=asleep` or `top`; README, "Live view").
   */
  get state(): WorkerState {
    if (this.#state === 'initial') return 'new';
    if (this.#state === 'stopped') return 'done';
    return this.waitsOn === null ? 'running' : 'blocked';
  }

  /** What it waits on while {@link state} is `blocked` (`Event.wait()`, `Lock "ledger"`). */
  get waitsOn(): string | null {
    const child = this.#child;
    return this.#state === 'started' && child !== null ? waitsOnOf(child) : null;
  }

  /** True from `start()` until the worker has ended. */
  isAlive(): boolean {
    return this.#state === 'started' || this.#state === 'current';
  }

  /**
   * Starts the worker. Arguments are checked and copied now; a value that cannot be sent
   * is refused with a {@link PicklingError} naming where it sits.
   *
   * @throws {StateError} when started twice (`ERR_ALREADY_STARTED`).
   * @throws {PicklingError} when an argument or the instance's state cannot be sent.
   */
  start(): void {
    if (this.#state !== 'initial') {
      throw new StateError('ERR_ALREADY_STARTED', this[kMessages]().startTwice);
    }
    const kind = this[kKind]();
    // Shared objects (locks, queues, values) travel as envelopes that re-attach to the same
    // memory on the other side; everything else is copied.
    const args = encodeShared(this.#args, kind) as readonly unknown[];
    assertCloneable(args, 'args', kind);
    let instance: InstanceSpec | null = null;
    const module = moduleOfClass(this.constructor);
    if (module !== undefined && this.run !== BaseWorker.prototype.run) {
      const state = encodeShared({ ...(this as object) }, kind) as Record<string, unknown>;
      assertCloneable(state, 'this', kind);
      instance = { module, className: this.constructor.name, state };
    }
    const kindModules = kindModulesOf(instance === null ? args : [args, instance.state]);
    const shared = instance !== null || args !== this.#args;
    const spec: RunSpec = { kind, target: this.#targetSpec, args, instance, kindModules, shared };
    const launch: BackendLaunch = {
      payload: RUN_TARGET,
      data: spec,
      name: this.#name,
      identity: this[kChildIdentity](),
      daemon: this.#daemon,
    };
    const child = this[kLaunch](launch, {
      message: (message) => {
        // 'uncaught': the target threw; reported now, as Python's thread prints it as it dies.
        reportUncaught(errorFromWire(message.error), this);
      },
      exit: (exitCode, crash) => {
        if (crash !== undefined) reportUncaught(crash, this);
        this.#finish(exitCode);
      },
    });
    this.#child = child;
    this.#ident = child.ident;
    this.#state = 'started';
    rememberChild(this);
    if (workerChannel.hasSubscribers) this.#publishState();
  }

  #publishState(): void {
    publishWorkerState({
      source: this[kKind](),
      name: this.#name,
      ident: this.#ident,
      state: this.state,
    });
  }

  #finish(exitCode: number): void {
    if (this.#state !== 'started') return;
    this.#exitCode = exitCode;
    this.#state = 'stopped';
    this.#child = null;
    forgetChild(this);
    this.#markStopped();
    if (workerChannel.hasSubscribers) this.#publishState();
  }

  /**
   * Waits until the worker ends, or until `timeout` ms pass. Like Python's, it resolves
   * `undefined` either way: check `isAlive()` to tell which.
   *
   * @example
   * ```ts
   * await thread.join();        // until it ends
   * await thread.join(500);     // at most 500 ms
   * await thread.join({ signal: AbortSignal.timeout(500) });
   * ```
   * @throws {StateError} before `start()` (`ERR_NOT_STARTED`), or from the worker itself
   * (`ERR_JOIN_CURRENT`).
   */
  async join(timeout?: number | JoinOptions): Promise<void> {
    const options = readJoinOptions(timeout);
    const ms = parseTimeout(options.timeout);
    this[kCheckUsable]();
    if (this.#state === 'initial') {
      throw new StateError('ERR_NOT_STARTED', this[kMessages]().joinBeforeStart);
    }
    if (this.#state === 'current') {
      throw new StateError('ERR_JOIN_CURRENT', this[kMessages]().joinCurrent);
    }
    if (this.#state === 'stopped') return;
    const child = this.#child;
    if (this.#daemon && child !== null) {
      this.#joiners++;
      child.keepAlive(true);
    }
    try {
      await waitUntil(this.#stopped, ms, options.signal);
    } finally {
      if (this.#daemon && child !== null && --this.#joiners === 0) child.keepAlive(false);
    }
  }

  /** @internal Stops the child: SIGTERM/SIGKILL for a process, `Worker#terminate()` for a thread. */
  protected stopChild(kind: StopHow): void {
    this[kCheckUsable]();
    if (this.#state === 'initial') {
      throw new StateError('ERR_NOT_STARTED', this[kMessages]().notStartedStop);
    }
    if (this.#state !== 'started' || this.#child === null) return;
    this.#child.stop(kind);
  }

  /** @internal */
  protected get lifecycleState(): State {
    return this.#state;
  }

  /**
   * The code the worker runs. The default calls `target(...args)`; a subclass may override
   * it (and register itself, see {@link BaseWorker.register}). Called in the new thread or
   * process, on a copy of this object built from its own enumerable properties.
   */
  run(): unknown {
    if (this.#target !== undefined) {
      // Called directly in the creating thread, as Python allows.
      if (isTaskRef(this.#target)) {
        const { module, exportName } = this.#target;
        return loadTask(module, exportName).then((task) => task(...this.#args));
      }
      return this.#target(...this.#args);
    }
    return callTarget(this.#targetSpec, this.#args);
  }

  /** @internal Which backend this is. */
  protected abstract [kKind](): 'thread' | 'process';
  /** @internal Python's messages for misuse. */
  protected abstract [kMessages](): LifecycleMessages;
  /** @internal Throws when the object may not be used (a closed process). */
  protected [kCheckUsable](): void {
    // Threads are always usable.
  }
  /** @internal The identity the new child takes. */
  protected abstract [kChildIdentity](): InheritedIdentity;
  /** @internal Starts the child. */
  protected abstract [kLaunch](
    launch: BackendLaunch,
    events: ChildEvents<ChildMessage>,
  ): Child<never>;

  /**
   * @internal Rebuilds an instance of this registered subclass in its own thread or process,
   * without calling its constructor, as unpickling does: only the backend's constructor runs
   * (it sets up the private lifecycle state), with this class's prototype; then the
   * instance's own properties are restored from `state`.
   */
  static [kRebuild](
    this: abstract new (...args: never[]) => BaseWorker,
    info: ReviveInfo,
    state: Record<string, unknown>,
  ): BaseWorker {
    const backend = backendOf(this, BaseWorker);
    const instance = Reflect.construct(backend, [{ [kRevive]: info }], this) as BaseWorker;
    Object.assign(instance, state);
    return instance;
  }
}
