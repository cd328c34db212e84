/**
 * The child's side of handing a socket to a process (socket-handle.ts has the parent's):
 * apart so that a child that receives no socket does not load `node:net`.
 */
import type { Socket } from 'node:net';

/** The placeholder's only key: a plain object survives `v8.serialize` and shared encoding. */
export const SOCKET_SLOT = '@@multitask/socket';

/** Where the handed-over socket goes in `args`. */
export interface SocketSlot {
  readonly [SOCKET_SLOT]: true;
}

function isSlot(value: unknown): value is SocketSlot {
  return typeof value === 'object' && value !== null && SOCKET_SLOT in value;
}

/**
 * In the child: puts the received `socket` where the parent's placeholder is, in place.
 * @throws {StateError} (`ERR_CONNECTION_CLOSED`) when `args` expects a socket and none arrived (the parent's socket was
 * closed before it could be sent).
 */
export async function putSocket(args: unknown[], socket: Socket | undefined): Promise<void> {
  const index = args.findIndex(isSlot);
  if (index === -1) return;
  if (socket === undefined) {
    // Loaded only now: a child's start loads no error catalogue.
    const { StateError } = await import('../errors.ts');
    throw new StateError(
      'ERR_CONNECTION_CLOSED',
      `args[${index}] was a net.Socket that closed before it reached the process: nothing to run it with`,
    );
  }
  args[index] = socket;
}
