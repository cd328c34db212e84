/**
 * How a {@link Connection}'s messages are framed (connection.ts): every message carries its
 * kind in its first byte, so that `recv()` never mistakes raw bytes for an encoded item
 * (whose fast encoding any bytes could resemble).
 */
import { ArgumentTypeError } from '../errors.ts';
import { decodeItem } from './items.ts';

const ITEM_MESSAGE = 0;
const BYTES_MESSAGE = 1;

/** The message a `send()` sends: the item's encoding (items.ts), framed. */
export function itemMessage(encoded: Uint8Array): Uint8Array {
  const framed = new Uint8Array(encoded.length + 1);
  framed[0] = ITEM_MESSAGE;
  framed.set(encoded, 1);
  return framed;
}

/** The message a `sendBytes()` sends: a copy of `bytes`, framed. */
export function bytesMessage(bytes: Uint8Array): Uint8Array {
  const framed = new Uint8Array(bytes.length + 1);
  framed[0] = BYTES_MESSAGE;
  framed.set(bytes, 1);
  return framed;
}

/**
 * The item a `send()` message carries.
 * @throws {ArgumentTypeError} `ERR_BAD_MESSAGE` for a message sent with `sendBytes()`.
 */
export function itemOf(framed: Uint8Array): unknown {
  if (framed[0] !== ITEM_MESSAGE) {
    throw new ArgumentTypeError(
      'the message was sent with sendBytes(): receive it with recvBytes()',
      'ERR_BAD_MESSAGE',
    );
  }
  return decodeItem(framed.subarray(1));
}

/** A message's bytes: what `sendBytes()` sent, or the encoded item of a `send()`. */
export function bytesOf(framed: Uint8Array): Uint8Array {
  return framed.subarray(1);
}
