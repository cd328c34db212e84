/**
 * The file server's workers: a session run in a process of its own (which owns the client's
 * socket) or in a thread (which reaches the socket through two queues relayed by the main
 * thread). Both run the same {@link serveSession}.
 */
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { QueueShutDownError, type Queue } from '../../index.ts';
import { ConnectionClosedError } from './protocol.ts';
import { serveSession } from './session.ts';

/**
 * `--model process`: the connection was handed to this process with the run message, so the
 * session reads and writes the socket directly. SIGTERM (the server closing) closes the
 * connection, so that an upload in progress is cleaned up before the process exits.
 * `idleMs` is the server's idle timeout.
 */
export async function serveSocket(root: string, socket: Socket, idleMs: number): Promise<void> {
  const closeConnection = (): void => {
    socket.destroy();
  };
  process.once('SIGTERM', closeConnection);
  // A reset connection is reported through the session's reads and writes.
  socket.on('error', () => undefined);
  // A client that sends nothing, or stops reading, for idleMs is dropped (see server.ts).
  socket.setTimeout(idleMs, closeConnection);
  try {
    await serveSession(root, socket, socket);
    // Returning exits the process: first let the last reply reach the kernel.
    await finished(socket).catch(() => undefined);
  } finally {
    process.off('SIGTERM', closeConnection);
  }
}

/**
 * `--model thread`: the main thread owns the socket and relays its bytes. `inbound` carries
 * what the client sent (shut down when the client is gone); `outbound` what to send it
 * (shut down here when the session ends). Both are bounded, so each side waits for the
 * other: the backpressure of a socket, across threads.
 */
export async function serveRelay(
  root: string,
  inbound: Queue<Uint8Array>,
  outbound: Queue<Uint8Array>,
): Promise<void> {
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      outbound.put(chunk).then(
        () => {
          callback();
        },
        (error: unknown) => {
          // The main thread shut the queue down: the client is gone.
          callback(
            error instanceof QueueShutDownError
              ? new ConnectionClosedError('the connection closed while sending')
              : (error as Error),
          );
        },
      );
    },
    final(callback) {
      outbound.shutdown();
      callback();
    },
    destroy(error, callback) {
      outbound.shutdown();
      callback(error);
    },
  });
  // Failed writes surface in the session's own writes, as they do on a socket.
  output.on('error', () => undefined);
  // An empty chunk first: it tells the main thread that the session runs (see server.ts).
  await outbound.put(new Uint8Array(0));
  await serveSession(root, inbound, output);
  await finished(output).catch(() => undefined);
}
