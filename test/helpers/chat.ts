/**
 * What the chat room's tests share: a bound on every wait, and the lines a room's output
 * sends, in a form an assertion reads.
 */
import type { RoomOutput } from '../../src/examples/chat/room.ts';

/**
 * A bound on every wait, so that a lost datagram fails the test instead of hanging it. Not
 * a timing assertion: on a quiet machine every wait ends in milliseconds.
 */
export const PATIENCE_MS = 10_000;

/** `text` as UTF-8 bytes. */
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The lines an output sends, as `port: line` (or `port: NO reason`, `port: OK`). */
export function sent(output: RoomOutput): string[] {
  return output.send.map(({ to, message }) => {
    const text =
      message.type === 'ok'
        ? 'OK'
        : message.type === 'refused'
          ? `NO ${message.reason}`
          : message.line;
    return `${to.port}: ${text}`;
  });
}
