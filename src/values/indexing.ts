/**
 * `obj[i]` for a class whose elements live behind `get(i)` / `set(i, v)` (SharedArray,
 * ShareableList). An integer key is a property no instance has, so its lookup walks the
 * prototype chain past the class's prototype to a proxy installed under it, whose traps turn
 * the key into a call on the receiver (the instance). Every other property (the methods,
 * `length`) is found before the proxy, so it costs what it did, and `instanceof` is
 * untouched.
 */

/** The index that `key` spells (`'3'`, `'-1'`, `'1.5'`), or `undefined` for other keys. */
function indexKey(key: string | symbol): number | undefined {
  if (typeof key !== 'string') return undefined;
  const n = Number(key);
  return Number.isFinite(n) && String(n) === key ? n : undefined;
}

/** Routes integer keys of instances of `Class` to `get` and `set`. */
export function installIndexing<T extends object>(
  Class: abstract new (...args: never[]) => T,
  get: (object: T, index: number) => unknown,
  set: (object: T, index: number, value: unknown) => void,
): void {
  const prototype = Class.prototype as object;
  const above = Object.getPrototypeOf(prototype) as object | null;
  Object.setPrototypeOf(
    prototype,
    new Proxy(Object.create(above) as object, {
      get(target, key, receiver) {
        const index = indexKey(key);
        if (index === undefined || !(receiver instanceof Class))
          return Reflect.get(target, key, receiver) as unknown;
        return get(receiver, index);
      },
      set(target, key, value, receiver) {
        const index = indexKey(key);
        if (index === undefined || !(receiver instanceof Class))
          return Reflect.set(target, key, value, receiver);
        set(receiver, index, value);
        return true;
      },
    }),
  );
}
