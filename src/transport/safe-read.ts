/**
 * Reading values that may be hostile without throwing: a getter that throws, a Proxy whose
 * traps throw, a revoked Proxy. For the paths that describe a failure (wire.ts,
 * cloneable.ts), which must not fail themselves.
 */
import { types } from 'node:util';

export function isError(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  try {
    // isNativeError also knows errors from other realms (vm contexts).
    return types.isNativeError(value) || value instanceof Error;
  } catch {
    return false; // A Proxy whose getPrototypeOf trap throws.
  }
}

export function safeGet(object: object, key: string): unknown {
  try {
    return Reflect.get(object, key);
  } catch {
    return undefined;
  }
}

export function safeHasOwn(object: object, key: string): boolean {
  try {
    return Object.hasOwn(object, key);
  } catch {
    return false;
  }
}

export function safeKeys(object: object): string[] {
  try {
    return Object.keys(object);
  } catch {
    return [];
  }
}

export function safeProto(object: object): object | null {
  try {
    return Object.getPrototypeOf(object) as object | null;
  } catch {
    return null;
  }
}

export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '[value that cannot be printed]';
    }
  }
}

export function errorMessage(error: unknown): string {
  if (isError(error)) {
    const message = safeGet(error, 'message');
    if (typeof message === 'string') return message;
  }
  return safeString(error);
}
