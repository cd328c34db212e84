/**
 * The methods of a shared kind's core as child processes reach them: each kind declares a
 * {@link MethodTable} (checked against its core's interface by the compiler), from which the
 * broker knows what to await and what a blocking call runs, and from which a child builds
 * its remote cores. Calls name their method by number, its index in the table.
 */

/**
 * How the broker performs one core method for a child process:
 * - `'sync'`: returns at once. The child blocks on its pipe for the reply; the broker calls it.
 * - `'async'`: returns a promise. The child's call returns one too; the broker awaits the
 *   method with an AbortSignal after its arguments, which the child's own signal aborts.
 * - `'blocking'`: `xSync`, the blocking form of an async `x`. The child blocks on its pipe
 *   while the broker runs `x` (with a signal, as above): one child's wait must never block
 *   the broker, which serves every child.
 */
export type MethodMode = 'sync' | 'async' | 'blocking';

/**
 * The one mode a core method can have, from its type: `'async'` for a method that returns a
 * promise; `'blocking'` for `xSync` when the core has an `x` that takes the same arguments
 * and a signal, and resolves what `xSync` returns; `'sync'` for any other. `never` (no entry
 * fits, so the table does not compile) for an `xSync` whose `x` does not match it that way.
 */
export type ModeOf<Core, K extends keyof Core> = Core[K] extends (
  ...args: never[]
) => PromiseLike<unknown>
  ? 'async'
  : K extends `${infer Twin}Sync`
    ? Twin extends keyof Core
      ? Core[K] extends (...args: infer Args) => infer Result
        ? Core[Twin] extends (...args: [...Args, AbortSignal?]) => Promise<Result>
          ? 'blocking'
          : never
        : never
      : 'sync'
    : 'sync';

/**
 * Every method of a kind's core, with its mode: what the broker needs to serve the kind to
 * child processes, and what a child builds its remote cores from. Typed against the core's
 * interface, so a method added, renamed or retyped without its entry here is a compile error
 * rather than a call that only child processes get wrong.
 * @example
 * ```ts
 * const methods: MethodTable<LockCoreApi> = {
 *   acquire: 'async', acquireSync: 'blocking', release: 'sync', locked: 'sync', owned: 'sync',
 * };
 * ```
 */
export type MethodTable<Core> = { readonly [K in keyof Core & string]-?: ModeOf<Core, K> };

/** One method of a kind, as the broker and remote cores use it. */
export interface CoreMethod {
  /** The method a caller calls. */
  readonly name: string;
  readonly mode: MethodMode;
  /** The method the broker runs: `name`, or the async twin of a blocking one. */
  readonly runs: string;
}

/**
 * A kind's methods, numbered: a call names its method by its index here. The order is the
 * table's, which is the same in every realm since each takes it from the same module.
 */
export interface KindProtocol {
  readonly methods: readonly CoreMethod[];
}

/** The numbered methods of a table, in its order. */
export function methodList(table: Readonly<Record<string, MethodMode>>): CoreMethod[] {
  return Object.entries(table).map(([name, mode]) => ({
    name,
    mode,
    runs: mode === 'blocking' ? name.slice(0, -'Sync'.length) : name,
  }));
}
