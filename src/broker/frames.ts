/**
 * Messages on a broker socket: each is a 4-byte big-endian length, then that many bytes of
 * `v8.serialize` output (structured clone, as everywhere else in multitask).
 */
import { deserialize, serialize } from 'node:v8';

export function encodeFrame(message: unknown): Buffer {
  const body = serialize(message);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** Splits a byte stream back into messages. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  /** Adds received bytes; returns the messages they complete, in order. */
  push(chunk: Buffer): unknown[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const messages: unknown[] = [];
    let offset = 0;
    while (this.#pending.length - offset >= 4) {
      const length = this.#pending.readUInt32BE(offset);
      if (this.#pending.length - offset - 4 < length) break;
      messages.push(deserialize(this.#pending.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    this.#pending =
      offset === this.#pending.length ? Buffer.alloc(0) : this.#pending.subarray(offset);
    return messages;
  }
}
