/**
 * What a Manager's server (server.ts) lets a client call, and the errors it answers a call it
 * refuses with: a method outside `exposed` (Python's `AttributeError`), an object it no longer
 * holds, a request it cannot read.
 */
import { AttributeError, KeyError, MultitaskError } from '../errors.ts';
import { BUILTIN_TYPES } from './builtins.ts';
import type { Token } from './protocol.ts';

/** An object the server holds, as far as a refusal needs it. */
interface Held {
  readonly token: Token;
  readonly target: object;
  /** Its registry entry; `undefined` for the built-in types (dict, list, namespace). */
  readonly entry: unknown;
}

export function className(target: object): string {
  const name = (target.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? `'${name}'` : "'object'";
}

export function notExposed(held: Held, method: string): AttributeError {
  const exposed =
    held.token.exposed ?? Object.keys(BUILTIN_TYPES[held.token.typeid]?.methods ?? {});
  // Python: "method 'x' of 'Counter' object is not in exposed=('increment',)".
  return new AttributeError(
    'ERR_NOT_EXPOSED',
    `method '${method}' of ${held.entry === undefined ? `'${held.token.typeid}'` : className(held.target)} object is not in exposed=${JSON.stringify(exposed)}`,
  );
}

/** A call to an object the server no longer holds (freed when its last proxy went). */
export function noObject(id: number): KeyError {
  return new KeyError(
    'ERR_MANAGER_NO_OBJECT',
    `the manager holds no object ${id}: it was freed once no proxy referred to it`,
  );
}

export function badRequest(op: string): MultitaskError {
  return new MultitaskError('ERR_INTERNAL', `a malformed ${op} request`);
}

/** Python's default `exposed`: the object's public methods (names not starting with `_`). */
export function publicMethods(target: object): string[] {
  const names = new Set<string>();
  for (
    let proto: object | null = target;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name.startsWith('_')) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof descriptor?.value === 'function') names.add(name);
    }
  }
  return [...names];
}
