/**
 * The `greenlet` package's model on Node's event loop: functions that hand control to each
 * other with `switch`, each suspended where it switched away.
 *
 * Node cannot switch stacks from synchronous code, so a greenlet is a cooperative coroutine:
 * a switch happens at `await` (`await g.switch(x)` suspends the caller and resumes `g`). The
 * greenlet running now is the current coroutine (internal/coroutine-context.ts), which
 * follows each greenlet across its own `await`s; the code outside every greenlet is the
 * thread's main greenlet.
 *
 * Every suspension is one record on the greenlet (`#suspension`): a switch waiting for
 * someone to switch back, or a gevent-style wait (`block`). Resuming it, throwing into it,
 * a kill and a timeout all go through that record.
 */
import { ArgumentRangeError, GreenletError, GreenletExit } from '../errors.ts';
import { currentCoroutine, runInCoroutine } from '../internal/coroutine-context.ts';
import { typeError } from '../internal/validate.ts';
import { reportError } from './hub.ts';
import { packed, refuseCopy, settled, threadKey } from './switch-values.ts';
import {
  rejected,
  suspend,
  suspendSwitch,
  type Arm,
  type Outcome,
  type Suspension,
  type SuspensionSlot,
} from './suspension.ts';
import { defineRepr } from '../internal/repr.ts';

/** A greenlet's run function: called with the arguments of the first switch. */
export type RunFunction = (...args: never[]) => unknown;

let mainGreenlet: Greenlet | undefined;
let counter = 0;

// Internal capabilities, assigned by the class's static block (they reach its private state).
/** Makes a greenlet running from the start with no parent (main greenlets, the hub). */
export let makeSpecial: (name: string) => Greenlet;
/** Starts or resumes `g` with `outcome`, from no greenlet in particular (the hub). */
export let enter: (g: Greenlet, outcome: Outcome, args: readonly unknown[]) => void;
/** Raises `error` in `g` at its next switch point (a kill, a timeout). */
export let throwInto: (g: Greenlet, error: unknown) => void;
/** Drops `error` if it is still waiting to be raised in `g` (a timeout cancelled in time). */
export let clearThrow: (g: Greenlet, error: unknown) => void;
/** Suspends `g` in a gevent-style wait until `arm`'s callbacks settle it. */
export let blockIn: <T>(g: Greenlet, arm: Arm<T>) => Promise<T>;
/** Calls `hook` with `g`'s outcome when it dies, before the parent receives it. */
export let onDeath: (g: Greenlet, hook: (outcome: Outcome) => void) => void;

/**
 * A function that runs as a coroutine, switched into and out of explicitly. Python's
 * `greenlet.greenlet`.
 *
 * The first `switch(...args)` calls `run(...args)`; each later one resumes the greenlet where
 * it last switched away, and its own `switch` call returns the values passed in. When `run`
 * returns, the greenlet is dead and its value goes to its `parent` (whose pending `switch`
 * returns it); an error it throws is thrown in the parent instead, except `GreenletExit`,
 * which the parent receives as a value. Switching to a dead greenlet switches to its parent.
 *
 * Subclasses may override {@link Greenlet.run} instead of passing a function.
 *
 * @throws {ArgumentTypeError} when `run` is not a function or `parent` not a greenlet.
 * @example
 * ```ts
 * const play = new Greenlet(async (name: string) => {
 *   console.log(`${name} plays`);
 *   const more = await eat.switch('alex');      // suspends play, resumes eat
 *   console.log(`${name} plays ${more}`);
 * });
 * const eat = new Greenlet(async (name: string) => {
 *   console.log(`${name} eats`);
 *   await play.switch('again');
 *   console.log(`${name} eats again`);
 * });
 * await eat.switch('alex');
 * ```
 */
export class Greenlet {
  static #makingSpecial = false;
  readonly #run: RunFunction | undefined;
  #parent: Greenlet | null;
  #state: 'unstarted' | 'running' | 'dead' = 'unstarted';
  #suspension: Suspension | null = null;
  #pendingThrow: { readonly error: unknown } | null = null;
  readonly #owner = threadKey();
  readonly #deathHooks: ((outcome: Outcome) => void)[] = [];
  /** A name for messages: `Greenlet-1 (eat)`. */
  readonly name: string;

  constructor(run?: RunFunction | null, parent?: Greenlet | null) {
    if (Greenlet.#makingSpecial) {
      // The main greenlet and the hub: running from the start, with no parent.
      this.#run = undefined;
      this.#parent = null;
      this.#state = 'running';
      this.name = 'MainGreenlet';
      return;
    }
    if (run !== undefined && run !== null && typeof run !== 'function') {
      throw typeError('run', 'a function', run);
    }
    this.#run = run ?? undefined;
    this.#parent = getcurrent();
    if (parent !== undefined && parent !== null) this.parent = parent;
    counter += 1;
    const label = this.#run?.name ?? '';
    this.name = label === '' ? `Greenlet-${counter}` : `Greenlet-${counter} (${label})`;
  }

  /** Makes a greenlet that is running from the start and has no parent. */
  static #special(name: string): Greenlet {
    Greenlet.#makingSpecial = true;
    try {
      const made = new Greenlet();
      Object.defineProperty(made, 'name', { value: name });
      return made;
    } finally {
      Greenlet.#makingSpecial = false;
    }
  }

  static {
    makeSpecial = (name) => Greenlet.#special(name);
    enter = (g, outcome, args) => {
      g.#enter(outcome, args);
    };
    throwInto = (g, error) => {
      g.#throwInto(error);
    };
    blockIn = (g, arm) => g.#block(arm);
    clearThrow = (g, error) => {
      if (g.#pendingThrow?.error === error) g.#pendingThrow = null;
    };
    onDeath = (g, hook) => {
      g.#deathHooks.push(hook);
    };
  }

  /**
   * What the greenlet does: by default, the function given to the constructor. Subclasses
   * may override it.
   */
  protected run(...args: unknown[]): unknown {
    return this.#run?.(...(args as never[]));
  }

  /** The greenlet that receives this one's result, or `null` for a main greenlet. */
  get parent(): Greenlet | null {
    return this.#parent;
  }

  /**
   * Changes the parent.
   * @throws {ArgumentRangeError} `ERR_INVALID_ARG_VALUE` on a cyclic parent chain.
   * @throws {GreenletError} `ERR_GREENLET_WRONG_THREAD` for a parent of another thread.
   */
  set parent(parent: Greenlet | null) {
    if (!(parent instanceof Greenlet)) throw typeError('parent', 'a Greenlet', parent);
    parent.#checkThread('parent cannot be on a different thread');
    for (let p: Greenlet | null = parent; p !== null; p = p.#parent) {
      if (p === this) throw new ArgumentRangeError('cyclic parent chain', 'ERR_INVALID_ARG_VALUE');
    }
    this.#parent = parent;
  }

  /** Whether the greenlet has finished (returned or thrown). */
  get dead(): boolean {
    return this.#state === 'dead';
  }

  /** Whether the greenlet has been switched to at least once. */
  get started(): boolean {
    return this.#state !== 'unstarted';
  }

  /** Started and not dead: Python's `bool(g)`. */
  get active(): boolean {
    return this.#state === 'running';
  }

  /**
   * Starts or resumes this greenlet, suspending the caller until something switches back to
   * it (or until a greenlet whose parent it is finishes). Resolves with what is passed in:
   * nothing, one value, or an array of values.
   *
   * @throws {GreenletError} `ERR_GREENLET_WRONG_THREAD` for a greenlet of another thread;
   * `ERR_GREENLET_BUSY` for one that is running elsewhere (awaiting something other than a
   * switch).
   * @example
   * ```ts
   * const answer = await g.switch('question');
   * ```
   */
  switch(...args: unknown[]): Promise<unknown> {
    refuseCopy(this, #owner in this);
    const value = packed(args);
    return this.#resume(value) ?? this.#transfer({ ok: true, value }, args);
  }

  /**
   * The common switch, to a live greenlet of this thread suspended in a switch, from another
   * greenlet with no throw due: what `#transfer` does then, without its general steps.
   * Returns `undefined` when the switch is not that one.
   */
  #resume(value: unknown): Promise<unknown> | undefined {
    const suspension = this.#suspension;
    if (suspension?.kind !== 'switch' || this.#owner !== threadKey()) return undefined;
    const caller = getcurrent();
    if (caller === this || caller.#pendingThrow !== null) return undefined;
    const resumed = suspendSwitch(caller.#slot);
    this.#suspension = null;
    suspension.resolve(value);
    return resumed;
  }

  /**
   * Throws `error` (by default a new `GreenletExit`) inside this greenlet, at the point where
   * it is suspended, and suspends the caller as `switch` does. An unstarted greenlet dies at
   * once without running; a dead one passes the error to its parent.
   *
   * @throws {GreenletError} as `switch` does.
   * @example
   * ```ts
   * const exit = await g.throw(); // g did not catch it: it is dead, and GreenletExit returned
   * ```
   */
  throw(error: unknown = new GreenletExit()): Promise<unknown> {
    refuseCopy(this, #owner in this);
    return this.#transfer({ ok: false, error }, []);
  }

  toString(): string {
    return `<${this.name}>`;
  }

  #checkThread(message = 'cannot switch to a different thread'): void {
    if (this.#owner !== threadKey()) {
      throw new GreenletError('ERR_GREENLET_WRONG_THREAD', message);
    }
  }

  #transfer(outcome: Outcome, args: readonly unknown[]): Promise<unknown> {
    this.#checkThread();
    const caller = getcurrent();
    const target = Greenlet.#liveFrom(this);
    if (target === caller) {
      return outcome.ok ? Promise.resolve(outcome.value) : rejected(outcome.error);
    }
    const waiting = target.#suspension?.kind === 'switch';
    if (target.#state === 'running' && !waiting) {
      throw new GreenletError(
        'ERR_GREENLET_BUSY',
        `cannot switch to ${target.name}: it is running and not suspended in a switch`,
      );
    }
    if (caller.#pendingThrow !== null) {
      // A kill or a timeout is due in the caller: it is raised here, and no switch happens.
      return caller.#suspend();
    }
    const resumed = caller.#suspend();
    target.#enter(outcome, target === this ? args : [packed(args)]);
    return resumed;
  }

  /** `g`, or when it is dead, its nearest live ancestor: where a switch to `g` lands. */
  static #liveFrom(g: Greenlet): Greenlet {
    let target = g;
    while (target.#state === 'dead' && target.#parent !== null) target = target.#parent;
    return target;
  }

  /** Suspends this greenlet in a switch; the promise settles when it is switched back to. */
  #suspend(): Promise<unknown> {
    if (this.#pendingThrow !== null) return this.#block<unknown>(() => undefined, 'switch');
    return suspendSwitch(this.#slot);
  }

  /**
   * The one way a greenlet waits. `arm` starts whatever will wake it and returns how to stop
   * that. A throw pending from a kill or a timeout is raised here instead of waiting.
   */
  #block<T>(arm: Arm<T>, kind: 'switch' | 'wait' = 'wait'): Promise<T> {
    if (this.#pendingThrow !== null) {
      const { error } = this.#pendingThrow;
      this.#pendingThrow = null;
      return rejected(error);
    }
    return suspend(this.#slot, kind, arm);
  }

  /** Where this greenlet's suspension record is kept, for suspension.ts. */
  readonly #slot: SuspensionSlot = {
    get: () => this.#suspension,
    set: (suspension) => {
      this.#suspension = suspension;
    },
    inMain: () => this === mainGreenlet,
  };

  /** Starts or resumes this greenlet with `outcome`. Only one place resumes a suspension. */
  #enter(outcome: Outcome, args: readonly unknown[]): void {
    if (this.#state === 'unstarted') {
      this.#state = 'running';
      if (!outcome.ok) {
        // Python: an error thrown into an unstarted greenlet kills it without running it.
        this.#finish(settled(outcome.error));
        return;
      }
      runInCoroutine(this, () => {
        void this.#body(args);
      });
      return;
    }
    const suspension = this.#suspension;
    if (suspension === null) {
      // Nothing waits in this greenlet (the hub, or a main greenlet that did not await its
      // switch): a value has no one to receive it, an error is printed.
      if (!outcome.ok) reportError(`${this.name}'s child`, outcome.error);
      return;
    }
    this.#suspension = null;
    if (outcome.ok) suspension.resolve(outcome.value);
    else suspension.reject(outcome.error);
  }

  async #body(args: readonly unknown[]): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = { ok: true, value: await this.run(...args) };
    } catch (error) {
      outcome = settled(error);
    }
    this.#finish(outcome);
  }

  /** Marks the greenlet dead and hands its outcome to the nearest live ancestor. */
  #finish(outcome: Outcome): void {
    this.#state = 'dead';
    this.#suspension = null;
    this.#pendingThrow = null;
    for (const hook of this.#deathHooks.splice(0)) hook(outcome);
    let target = this.#parent;
    while (target !== null && target.#state === 'dead') target = target.#parent;
    if (target === null) return;
    if (target.#state === 'unstarted' || target.#suspension?.kind === 'switch') {
      target.#enter(outcome, outcome.ok ? [outcome.value] : []);
    } else if (!outcome.ok) {
      reportError(this.name, outcome.error);
    }
  }

  /** Raises `error` in this greenlet at its switch point, without suspending the caller. */
  #throwInto(error: unknown): void {
    if (this.#state === 'dead') return;
    if (this.#state === 'unstarted' || this.#suspension !== null) {
      this.#enter({ ok: false, error }, []);
    } else {
      this.#pendingThrow = { error };
    }
  }
}

/**
 * The greenlet running now: the one whose code called this, or the thread's main greenlet
 * outside every greenlet. Python's `greenlet.getcurrent()`.
 *
 * @example
 * ```ts
 * const me = getcurrent();
 * ```
 */
export function getcurrent(): Greenlet {
  const running = currentCoroutine();
  if (running instanceof Greenlet) return running;
  return (mainGreenlet ??= makeSpecial('MainGreenlet'));
}

/**
 * A gevent-style wait in the current greenlet: a switch point where kills and timeouts land,
 * counted for `LoopExit`.
 */
export function block<T>(arm: Arm<T>): Promise<T> {
  return blockIn(getcurrent(), arm);
}

defineRepr(Greenlet);
