/**
 * Handing a connected `net.Socket` to a child process, as Python's multiprocessing passes a
 * socket to a `Process` (by duplicating its file descriptor).
 *
 * A socket cannot be cloned: it travels as the IPC channel's send-handle, next to the run
 * message (`child.send(message, socket)`), and Node closes the parent's copy once it is
 * sent. In `args`, the parent leaves a plain placeholder where the socket was; the child puts
 * the socket it received back in its place before the target runs. One socket per process,
 * at the top level of `args`: the IPC channel carries one handle per message.
 */
import { Socket } from 'node:net';
import { ArgumentTypeError } from '../errors.ts';
import { SOCKET_SLOT, type SocketSlot } from './socket-slot.ts';

/**
 * Takes the socket out of a process's `args`, leaving a placeholder in its place. Anything
 * that is not an array is returned as it is (the lifecycle refuses it with its own error).
 * @throws {ArgumentTypeError} when `args` holds more than one socket (`ERR_INVALID_ARG_VALUE`).
 */
export function takeSocket(args: unknown): { args: unknown; socket: Socket | null } {
  if (!Array.isArray(args)) return { args, socket: null };
  const at = args.flatMap((value: unknown, i) => (value instanceof Socket ? [i] : []));
  if (at.length === 0) return { args, socket: null };
  if (at.length > 1) {
    throw new ArgumentTypeError(
      `Expected at most one net.Socket in a process's \`args\`, got ${at.length} ` +
        `(${at.map((i) => `args[${i}]`).join(', ')})`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  const index = at[0] ?? 0;
  const slot: SocketSlot = { [SOCKET_SLOT]: true };
  return {
    args: args.map((value: unknown, i) => (i === index ? slot : value)),
    socket: args[index] as Socket,
  };
}
