/**
 * The helper thread of a broker client (see broker-client.ts): owns the socket to one broker,
 * forwards its realm's calls, and routes each reply back to the port the call came from.
 */
import { connect, type Socket } from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';
import { BrokerError } from '../../errors.ts';
import { errorToWire } from '../../transport/wire.ts';
import type { BrokerReply, BrokerRequest } from '../broker-protocol.ts';
import { encodeFrame, FrameReader } from '../frames.ts';

interface ClientData {
  readonly socketPath: string;
  readonly asyncPort: MessagePort;
  readonly syncPort: MessagePort;
  readonly flag: SharedArrayBuffer;
}

const { socketPath, asyncPort, syncPort, flag: flagBuffer } = workerData as ClientData;
const flag = new Int32Array(flagBuffer);
const REPLIES = 0;

/** Which port each call in flight came from. */
const origin = new Map<number, 'async' | 'sync'>();
/** Requests made before the socket connected. */
const backlog: Buffer[] = [];
let socket: Socket | undefined;
let lost: string | undefined;

function deliver(reply: BrokerReply): void {
  const from = origin.get(reply.seq);
  origin.delete(reply.seq);
  if (from === 'sync') {
    syncPort.postMessage(reply);
    Atomics.add(flag, REPLIES, 1);
    Atomics.notify(flag, REPLIES);
  } else {
    asyncPort.postMessage(reply);
  }
}

/** The broker is gone: every call in flight, and every later one, fails with why. */
function fail(reason: string): void {
  lost = reason;
  for (const [seq, from] of [...origin]) {
    if (from === 'sync') {
      origin.delete(seq);
      syncPort.postMessage({ lost: reason });
      Atomics.add(flag, REPLIES, 1);
      Atomics.notify(flag, REPLIES);
    } else {
      deliver({ seq, ok: false, error: errorToWire(new BrokerError('ERR_BROKER', reason)) });
    }
  }
}

function send(request: BrokerRequest, from: 'async' | 'sync'): void {
  if (request.type === 'call') origin.set(request.seq, from);
  if (lost !== undefined) {
    fail(lost);
    return;
  }
  const frame = encodeFrame(request);
  if (socket === undefined) backlog.push(frame);
  else socket.write(frame);
}

asyncPort.on('message', (request: BrokerRequest) => {
  send(request, 'async');
});
syncPort.on('message', (request: BrokerRequest) => {
  send(request, 'sync');
});

/** The broker may still be starting: retry a refused or missing socket for a while. */
function open(attempt: number): void {
  const candidate = connect(socketPath);
  const reader = new FrameReader();
  candidate.once('connect', () => {
    socket = candidate;
    for (const frame of backlog.splice(0)) candidate.write(frame);
  });
  candidate.on('data', (chunk) => {
    for (const reply of reader.push(chunk) as BrokerReply[]) deliver(reply);
  });
  candidate.on('error', (error: NodeJS.ErrnoException) => {
    if (socket === undefined && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') && attempt < 100) {
      setTimeout(() => {
        open(attempt + 1);
      }, 50);
      return;
    }
    fail(`The broker at ${socketPath} cannot be reached: ${error.message}`);
  });
  candidate.on('close', () => {
    if (socket === candidate) fail('The process that owns this object has ended');
  });
}

open(0);
