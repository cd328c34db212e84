/**
 * What a Manager's server and its clients say to each other after the handshake
 * (handshake.ts), each message one frame (framing.ts) encoded by the network codec:
 *
 *   request  `[seq, 'call', id, method, args]`   call a method of object `id`
 *            `[seq, 'create', typeid, args]`      make an object, reply with its token
 *            `[seq, 'shutdown']`                  stop the server (its owner only, see below)
 *   reply    `[seq, true, value]` or `[seq, false, error]`
 *
 * A reply's `seq` is its request's: one connection carries the calls of every proxy of a
 * thread or process at once. Proxies inside values cross as tokens (codec extension 1).
 */
import { ArgumentTypeError } from '../errors.ts';

/** A Manager's address: a Unix socket path, or `[host, port]` for TCP, as Python's. */
export type ManagerAddress = string | readonly [host: string, port: number];

/** What names a served object: its type and its id in the server, as Python's `Token`. */
export interface Token {
  readonly typeid: string;
  readonly id: number;
  /** The methods the server lets clients call, or `null` for the built-in types. */
  readonly exposed: readonly string[] | null;
}

/** A type registered with `BaseManager.register()`, as the server receives it. */
export interface RegistryEntry {
  readonly typeid: string;
  /** The task reference of the callable that makes the object, or `null` (client side only). */
  readonly callable: { readonly module: string; readonly exportName: string } | null;
  readonly exposed: readonly string[] | null;
  readonly methodToTypeid: Readonly<Record<string, string>> | null;
}

/** The codec extension tag of tokens. */
export const TOKEN_TAG = 1;

/** The longest message after the handshake. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export type Request =
  | readonly [seq: number, op: 'call', id: number, method: string, args: unknown[]]
  | readonly [seq: number, op: 'create', typeid: string, args: unknown[]]
  | readonly [seq: number, op: 'shutdown'];

export type Reply = readonly [seq: number, ok: boolean, value: unknown];

/** A token as data, for the codec. */
export function tokenData(token: Token): unknown[] {
  return [token.typeid, token.id, token.exposed === null ? null : [...token.exposed]];
}

/**
 * A token from data that came over the network: checked field by field.
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_VALUE` for data that is not a token.
 */
export function tokenFromData(data: unknown): Token {
  if (Array.isArray(data) && data.length === 3) {
    const [typeid, id, exposed] = data as unknown[];
    if (
      typeof typeid === 'string' &&
      typeof id === 'number' &&
      Number.isSafeInteger(id) &&
      (exposed === null ||
        (Array.isArray(exposed) && exposed.every((name) => typeof name === 'string')))
    ) {
      return { typeid, id, exposed };
    }
  }
  throw new ArgumentTypeError(
    'a proxy token that is not [typeid, id, exposed]',
    'ERR_INVALID_ARG_VALUE',
  );
}

/** The address as `net.connect()` and `server.listen()` take it. */
export function listenOptions(
  address: ManagerAddress,
): { path: string } | { host: string; port: number } {
  return typeof address === 'string' ? { path: address } : { host: address[0], port: address[1] };
}

/** A key for the address, to share one connection per address in a realm. */
export function addressKey(address: ManagerAddress): string {
  return typeof address === 'string' ? address : `${address[0]}:${address[1]}`;
}
