/**
 * Messages over a stream socket, as Python's `multiprocessing.connection` frames them: a
 * 4-byte big-endian length, then the bytes. Every frame is capped: a peer that announces
 * more than the current limit is cut off before anything of the body is buffered, so the
 * handshake's reads are capped at 256 bytes as Python's `recv_bytes(256)` is.
 */
import type { Socket } from 'node:net';
import { EOFError } from '../errors.ts';

/** The longest handshake message, as Python's `recv_bytes(256)`. */
export const HANDSHAKE_MAX_FRAME = 256;

export class FramedSocket {
  readonly socket: Socket;
  #maxFrame: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Frames nobody asked for yet (only while no handler is set: the handshake). */
  readonly #queued: Buffer[] = [];
  #waiter: { resolve(frame: Buffer): void; reject(error: Error): void } | undefined;
  #handler: ((frame: Buffer) => void) | undefined;
  #closed: Error | undefined;
  readonly #onClose: ((error: Error) => void)[] = [];

  constructor(socket: Socket, maxFrame: number) {
    this.socket = socket;
    this.#maxFrame = maxFrame;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#receive(chunk);
    });
    socket.on('error', (error) => {
      this.#close(error);
    });
    socket.on('close', () => {
      this.#close(new EOFError('the other end of the connection closed it'));
    });
  }

  /** The error that closed the connection, or `undefined` while it is open. */
  get closed(): Error | undefined {
    return this.#closed;
  }

  set maxFrame(bytes: number) {
    this.#maxFrame = bytes;
  }

  /** Calls `handler` for every frame from now on, starting with any already queued. */
  onFrame(handler: (frame: Buffer) => void): void {
    this.#handler = handler;
    for (const frame of this.#queued.splice(0)) handler(frame);
  }

  onClose(listener: (error: Error) => void): void {
    if (this.#closed === undefined) this.#onClose.push(listener);
    else listener(this.#closed);
  }

  /** The next frame: for the handshake, before any handler is set. */
  recv(): Promise<Buffer> {
    const frame = this.#queued.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  send(bytes: Uint8Array): void {
    // One buffer, one write: a header and a body written apart cost a writev() each, which
    // took a quarter of a round trip's time.
    const frame = Buffer.allocUnsafe(4 + bytes.length);
    frame.writeUInt32BE(bytes.length, 0);
    frame.set(bytes, 4);
    this.socket.write(frame);
  }

  destroy(error?: Error): void {
    this.socket.destroy();
    this.#close(error ?? new EOFError('the connection was closed'));
  }

  #receive(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    while (this.#closed === undefined && this.#pendingBytes >= 4) {
      const all = this.#flatten();
      const length = all.readUInt32BE(0);
      if (length > this.#maxFrame) {
        // Python's recv_bytes(maxlength) raises OSError("bad message length") here.
        this.destroy(new EOFError(`a frame of ${length} bytes is longer than ${this.#maxFrame}`));
        return;
      }
      if (this.#pendingBytes < 4 + length) return;
      const frame = all.subarray(4, 4 + length);
      const rest = all.subarray(4 + length);
      this.#pending = rest.length === 0 ? [] : [rest];
      this.#pendingBytes = rest.length;
      this.#deliver(frame);
    }
  }

  #flatten(): Buffer {
    if (this.#pending.length !== 1) this.#pending = [Buffer.concat(this.#pending)];
    return this.#pending[0] ?? Buffer.alloc(0);
  }

  #deliver(frame: Buffer): void {
    if (this.#handler !== undefined) {
      this.#handler(frame);
    } else if (this.#waiter !== undefined) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve(frame);
    } else {
      this.#queued.push(frame);
    }
  }

  #close(error: Error): void {
    if (this.#closed !== undefined) return;
    this.#closed = error;
    this.#pending = [];
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
    for (const listener of this.#onClose.splice(0)) listener(error);
  }
}
