/**
 * A core as the broker serves it: the methods of its kind's table, by number, each resolved
 * once to the function the broker runs, so that a call costs an index, not a name lookup.
 */
import { BrokerError } from '../errors.ts';
import type { CoreMethod, KindProtocol, MethodMode } from '../memory/core-methods.ts';

type Method = (...args: unknown[]) => unknown;

/** One method of a served core. */
export interface ServedMethod {
  /** How to run it: `'sync'` called, `'async'` and `'blocking'` awaited with a signal. */
  readonly mode: MethodMode;
  readonly run: Method;
}

/** A local core in the broker, with its methods by number. */
export interface ServedCore {
  readonly kind: string;
  readonly core: object;
  readonly methods: readonly ServedMethod[];
}

/**
 * Prepares `core`, a local core of `kind`, to be served.
 * @throws {BrokerError} `ERR_BROKER` when the core lacks a method its kind's table names (or
 * the async twin of a blocking one): every call to it would fail.
 */
export function serveCore(kind: string, core: object, protocol: KindProtocol): ServedCore {
  const methods = protocol.methods.map((method) => ({
    mode: method.mode,
    run: resolve(kind, core, method),
  }));
  return { kind, core, methods };
}

function resolve(kind: string, core: object, { name, runs }: CoreMethod): Method {
  const run = (core as Record<string, unknown>)[runs];
  if (typeof run !== 'function') {
    const what = runs === name ? `\`${name}\`` : `\`${runs}\` (the async twin of \`${name}\`)`;
    throw new BrokerError('ERR_BROKER', `multitask broker: a ${kind} core has no method ${what}`);
  }
  return run as Method;
}

/**
 * The method a call names: its number in the kind's table.
 * @throws {BrokerError} `ERR_BROKER` for a method the kind does not have.
 */
export function servedMethod(served: ServedCore, method: number): ServedMethod {
  const found = served.methods[method];
  if (found === undefined) {
    throw new BrokerError(
      'ERR_BROKER',
      `multitask broker: a ${served.kind} has no method ${method}`,
    );
  }
  return found;
}
