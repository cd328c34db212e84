/**
 * The helper thread behind a realm's blocking proxy calls (sync-client.ts): it owns one
 * connection to a Manager's server, relays each request frame the blocked caller posts, and
 * hands the reply frame back, then wakes the caller through a shared flag. It decodes
 * nothing: the caller encodes and decodes with its own proxies. When the connection is lost
 * (or the handshake fails) it answers the call in flight, and every later one, with why.
 */
import { connect } from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';
import { FramedSocket, HANDSHAKE_MAX_FRAME } from '../framing.ts';
import { answerChallenge, deliverChallenge } from '../handshake.ts';
import { listenOptions, MAX_MESSAGE_BYTES, type ManagerAddress } from '../protocol.ts';

interface SyncClientData {
  readonly address: ManagerAddress;
  readonly authkey: Uint8Array;
  readonly port: MessagePort;
  /** One Int32 slot: 0 while a call waits, 1 once its answer is on the port. */
  readonly flag: SharedArrayBuffer;
}

/** What the caller receives: the reply frame, or why there is none. */
export type SyncAnswer =
  { readonly frame: Uint8Array } | { readonly lost: string; readonly authentication: boolean };

const { address, authkey, port, flag } = workerData as SyncClientData;
const cell = new Int32Array(flag);
let lost: SyncAnswer | undefined;
let waiting = false;

function answer(message: SyncAnswer): void {
  waiting = false;
  port.postMessage(message);
  Atomics.store(cell, 0, 1);
  Atomics.notify(cell, 0);
}

const socket = new FramedSocket(connect(listenOptions(address)), HANDSHAKE_MAX_FRAME);
socket.onClose((error) => {
  lost ??= { lost: error.message, authentication: false };
  if (waiting) answer(lost);
});
const ready = answerChallenge(socket, authkey)
  .then(() => deliverChallenge(socket, authkey))
  .then(
    () => {
      socket.maxFrame = MAX_MESSAGE_BYTES;
      socket.onFrame((frame) => {
        answer({ frame });
      });
    },
    (error: unknown) => {
      const { message, code } = error as { message: string; code?: unknown };
      lost = { lost: message, authentication: code === 'ERR_AUTHENTICATION' };
      socket.destroy();
    },
  );

port.on('message', (frame: Uint8Array) => {
  void ready.then(() => {
    if (lost !== undefined) {
      answer(lost);
      return;
    }
    waiting = true;
    socket.send(frame);
  });
});
