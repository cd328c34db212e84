/**
 * The helper thread of a broker client (see broker-client.ts): owns the socket to one
 * broker, introduces the realm's blocking-call pipes on it, forwards the realm's async
 * calls and hands their replies back. When the broker is lost it fails every async call in
 * flight and writes a "lost" frame into the reply pipe, so that a caller blocked there
 * wakes up with an error instead of waiting forever.
 */
import { writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';
import { BrokerError } from '../../errors.ts';
import { errorToWire } from '../../transport/wire.ts';
import type { BrokerReply, BrokerRequest, HelloRequest, LostReply } from '../broker-protocol.ts';
import { encodeFrame, FrameReader } from '../frames.ts';

interface ClientData {
  readonly socketPath: string;
  readonly asyncPort: MessagePort;
  readonly fifo: HelloRequest['fifo'];
  /** The realm's reply pipe (descriptors are shared by every thread of a process). */
  readonly replyFd: number;
}

const { socketPath, asyncPort, fifo, replyFd } = workerData as ClientData;

/** Async calls in flight, by sequence number. */
const inFlight = new Set<number>();
/** Requests made before the socket connected; the hello goes first. */
const backlog: Buffer[] = [encodeFrame({ type: 'hello', fifo } satisfies HelloRequest)];
let socket: Socket | undefined;
let lost: string | undefined;

/** The broker is gone: every call in flight, and every later one, fails with why. */
function fail(reason: string): void {
  if (lost !== undefined) return;
  lost = reason;
  for (const seq of inFlight) reject(seq, reason);
  inFlight.clear();
  const frame = encodeFrame({ lost: reason } satisfies LostReply);
  writeSync(replyFd, frame);
}

function reject(seq: number, reason: string): void {
  const reply: BrokerReply = {
    seq,
    ok: false,
    error: errorToWire(new BrokerError('ERR_BROKER', reason)),
  };
  asyncPort.postMessage(reply);
}

asyncPort.on('message', (request: BrokerRequest) => {
  if (request.type === 'call') {
    if (lost !== undefined) {
      reject(request.seq, lost);
      return;
    }
    inFlight.add(request.seq);
  }
  const frame = encodeFrame(request);
  if (socket === undefined) backlog.push(frame);
  else socket.write(frame);
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
    for (const reply of reader.push(chunk) as BrokerReply[]) {
      inFlight.delete(reply.seq);
      asyncPort.postMessage(reply);
    }
  });
  candidate.on('error', (error: NodeJS.ErrnoException) => {
    if (
      socket === undefined &&
      (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') &&
      attempt < 100
    ) {
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
