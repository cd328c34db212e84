/**
 * State a module keeps for its whole realm (thread), shared by every copy of the module the
 * realm loads. A child's entry files are bundled at build time (scripts/bundle-entries.mjs):
 * a child then holds two copies of, say, runtime/identity.js, the one inlined in its entry
 * bundle and the one dist/index.js loads for the user's code, and both must see one
 * identity, one owner id, one set of children. Run from the sources, there is one copy.
 */

/** The state named `name` in this realm, made by `init` the first time it is asked for. */
export function realmState<T extends object>(name: string, init: () => T): T {
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  const key = Symbol.for(`multitask.${name}`);
  let state = holder[key];
  if (state === undefined) {
    state = init();
    Object.defineProperty(holder, key, { value: state });
  }
  return state;
}
