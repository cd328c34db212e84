/**
 * `Pipe()` and `Connection`: Python's `multiprocessing.Pipe`, two ends that send messages to
 * each other. Each direction is a channel with a queue's memory (queue-core.ts): messages
 * keep their boundaries and order, and closing an end shuts its sending channel down, so
 * that the other end reads what is left and then gets {@link EOFError}. An end's channels:
 * connection-core.ts; its messages' framing: connection-messages.ts.
 */
import { ArgumentTypeError, BufferTooShortError, StateError } from '../errors.ts';
import { currentOwnerId, ownerTable } from '../memory/owners.ts';
import { assertBoolean, assertInteger, rangeError, typeError } from '../internal/validate.ts';
import { kAttach } from '../internal/symbols.ts';
import {
  attachmentOf,
  kSharedState,
  registerSharedKind,
  type AttachArgument,
  type LocalState,
  type Shareable,
  type SharedState,
} from '../memory/shared-object.ts';
import { ConnectionCore, type ConnectionCoreApi, type ConnectionMeta } from './connection-core.ts';
import { bytesMessage, bytesOf, itemMessage, itemOf } from './connection-messages.ts';
import { detach, encodeItem, transferList } from './items.ts';
import { Discipline, queueBuffers } from './queue-core.ts';
import { defineRepr } from '../internal/repr.ts';

const KIND = 'Connection';

/** Options of `recv`. */
export interface RecvOptions {
  /** Stops waiting (rejecting with the signal's reason) when aborted. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `send`. */
export interface SendOptions {
  /**
   * ArrayBuffers the sender gives up, as `postMessage`'s transfer list: once the message is
   * sent, they are detached here (length 0, unusable), and the receiver gets its own copy.
   * The message is copied into shared memory either way: this moves no memory, it makes the
   * sender's side behave as with `postMessage`.
   */
  readonly transfer?: readonly ArrayBuffer[] | undefined;
}

/**
 * One end of a {@link Pipe}: Python's `multiprocessing.connection.Connection`. Pass it in a
 * worker's `args`; the worker's object is the same end.
 *
 * @example
 * ```ts
 * const [parentEnd, childEnd] = Pipe();
 * new Process({ target: tasks.echo, args: [childEnd] }).start();
 * parentEnd.send({ hello: 'world' });
 * await parentEnd.recv(); // what the child sent back
 * ```
 */
export class Connection implements Shareable {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #state: SharedState;
  readonly #core: ConnectionCoreApi;
  #closed = false;

  /** @internal Connections are made by {@link Pipe}. */
  constructor(attach?: AttachArgument<ConnectionCoreApi>) {
    const attached = attachmentOf<ConnectionCoreApi>(attach);
    if (attached === undefined) {
      throw new ArgumentTypeError('Connections are made by Pipe()', 'ERR_INVALID_ARG_TYPE');
    }
    this.#state = attached.state;
    this.#core = attached.core;
  }

  /** Whether this end can receive. */
  get readable(): boolean {
    return (this.#state.meta as ConnectionMeta).readable;
  }

  /** Whether this end can send. */
  get writable(): boolean {
    return (this.#state.meta as ConnectionMeta).writable;
  }

  /** Whether {@link Connection.close} was called on this object. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `message` (a structured clone of it) to the other end. Never waits.
   * @throws {StateError} `connection is read-only` (`ERR_CONNECTION_READ_ONLY`), or `handle
   * is closed` (`ERR_CONNECTION_CLOSED`).
   * @throws {PicklingError} for a message that cannot be cloned (`ERR_NOT_CLONEABLE`).
   * @throws {ArgumentTypeError} for a `transfer` list that holds anything but ArrayBuffers,
   * a detached one, or one twice.
   * @example
   * ```ts
   * end.send({ frame }, { transfer: [frame.buffer] }); // frame is now detached here
   * ```
   */
  send(message: unknown, options?: SendOptions): void {
    this.#assertWritable();
    const transfer = transferList(options?.transfer);
    this.#core.send(itemMessage(encodeItem(message, 'pipe')));
    detach(transfer);
  }

  /**
   * Sends bytes as one message: `buffer`, or `size` bytes of it from `offset`.
   * @throws {ArgumentRangeError} for an offset or size outside the buffer.
   * @example
   * ```ts
   * end.sendBytes(new TextEncoder().encode('hello'), 1, 3); // 'ell'
   * ```
   */
  sendBytes(buffer: ArrayBufferView | ArrayBuffer, offset = 0, size?: number): void {
    this.#assertWritable();
    const bytes = ArrayBuffer.isView(buffer)
      ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
      : buffer instanceof ArrayBuffer
        ? new Uint8Array(buffer)
        : undefined;
    if (bytes === undefined) throw typeError('buffer', 'an ArrayBuffer or a view of one', buffer);
    assertInteger(offset, 'offset', 0);
    if (offset > bytes.length) throw rangeError('offset', `at most ${bytes.length}`, offset);
    const length = size ?? bytes.length - offset;
    assertInteger(length, 'size', 0);
    if (offset + length > bytes.length) {
      throw rangeError('size', `at most ${bytes.length - offset}`, length);
    }
    this.#core.send(bytesMessage(bytes.subarray(offset, offset + length)));
  }

  /**
   * Receives the next message, waiting for one.
   * @throws {EOFError} when the other end was closed and nothing is left (`ERR_EOF`).
   * @throws {ArgumentTypeError} `ERR_BAD_MESSAGE` for a message sent with `sendBytes()`
   * (taken all the same; Python's `UnpicklingError`).
   * @throws {StateError} `connection is write-only`, or `handle is closed`.
   */
  async recv(options?: RecvOptions): Promise<unknown> {
    this.#assertReadable();
    return itemOf(await this.#core.recv(options?.signal));
  }

  /** As {@link Connection.recv}, blocking the calling thread. */
  recvSync(): unknown {
    this.#assertReadable();
    return itemOf(this.#core.recvSync());
  }

  /**
   * Receives the next message as bytes (one sent with {@link Connection.sendBytes}).
   * @param maxlength The longest message accepted. A longer one is dropped, and this end
   * closed, as in Python.
   * @throws {StateError} `bad message length` (`ERR_BAD_MESSAGE_LENGTH`) for a message longer
   * than `maxlength`.
   * @throws {EOFError} as {@link Connection.recv}.
   */
  async recvBytes(maxlength?: number, options?: RecvOptions): Promise<Uint8Array> {
    this.#assertReadable();
    if (maxlength !== undefined) assertInteger(maxlength, 'maxlength', 0);
    return this.#checkLength(bytesOf(await this.#core.recv(options?.signal)), maxlength);
  }

  /** As {@link Connection.recvBytes}, blocking the calling thread. */
  recvBytesSync(maxlength?: number): Uint8Array {
    this.#assertReadable();
    if (maxlength !== undefined) assertInteger(maxlength, 'maxlength', 0);
    return this.#checkLength(bytesOf(this.#core.recvSync()), maxlength);
  }

  /**
   * Receives the next message (one sent with {@link Connection.sendBytes}) into `buffer`,
   * from byte `offset` on, as Python's `recv_bytes_into`. Returns the message's length in
   * bytes.
   * @param buffer An ArrayBuffer, SharedArrayBuffer, typed array, DataView or Buffer; for a
   * view, `offset` counts bytes from the start of the view.
   * @throws {BufferTooShortError} (`ERR_BUFFER_TOO_SHORT`) when the message is longer than
   * the room from `offset` to the end of `buffer`: the message is taken all the same, and
   * is the error's `bytes` (Python's `BufferTooShort`, whose `args[0]` it is).
   * @throws {ArgumentRangeError} for an `offset` that is negative or beyond the buffer
   * (checked before receiving).
   * @throws {EOFError} as {@link Connection.recv}.
   * @example
   * ```ts
   * const buffer = new Uint8Array(64);
   * const size = await end.recvBytesInto(buffer, 8); // the message is buffer[8, 8 + size)
   * ```
   */
  async recvBytesInto(
    buffer: ArrayBufferView | ArrayBufferLike,
    offset = 0,
    options?: RecvOptions,
  ): Promise<number> {
    this.#assertReadable();
    const target = targetBytes(buffer, offset);
    return copyInto(target, offset, bytesOf(await this.#core.recv(options?.signal)));
  }

  /** As {@link Connection.recvBytesInto}, blocking the calling thread. */
  recvBytesIntoSync(buffer: ArrayBufferView | ArrayBufferLike, offset = 0): number {
    this.#assertReadable();
    const target = targetBytes(buffer, offset);
    return copyInto(target, offset, bytesOf(this.#core.recvSync()));
  }

  #checkLength(bytes: Uint8Array, maxlength: number | undefined): Uint8Array {
    if (maxlength !== undefined && bytes.length > maxlength) {
      this.close();
      throw new StateError('ERR_BAD_MESSAGE_LENGTH', 'bad message length');
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Whether a message (or the end of the stream) is there to receive, waiting up to
   * `timeout` ms for one: 0 (the default) checks and returns, `Infinity` waits as long as it
   * takes.
   */
  async poll(timeout = 0, options?: RecvOptions): Promise<boolean> {
    this.#assertReadable();
    return this.#core.poll(pollTimeout(timeout), options?.signal);
  }

  /** As {@link Connection.poll}, blocking the calling thread. */
  pollSync(timeout = 0): boolean {
    this.#assertReadable();
    return this.#core.pollSync(pollTimeout(timeout));
  }

  /**
   * Closes this end: it can no longer be used, and the other end receives what was sent
   * before, then {@link EOFError}. Closing any copy of an end (this object, or the same end
   * in another thread or process) ends the stream, unlike an OS pipe, which ends when every
   * copy is closed. May be called again.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.writable) this.#core.closeWrite();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError('ERR_CONNECTION_CLOSED', 'handle is closed');
  }

  #assertWritable(): void {
    this.#assertOpen();
    if (!this.writable) {
      throw new StateError('ERR_CONNECTION_READ_ONLY', 'connection is read-only');
    }
  }

  #assertReadable(): void {
    this.#assertOpen();
    if (!this.readable) {
      throw new StateError('ERR_CONNECTION_WRITE_ONLY', 'connection is write-only');
    }
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

/** The bytes of a buffer to receive into, after checking `offset` against them. */
function targetBytes(buffer: unknown, offset: unknown): Uint8Array {
  let bytes: Uint8Array;
  if (ArrayBuffer.isView(buffer)) {
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } else if (buffer instanceof ArrayBuffer || buffer instanceof SharedArrayBuffer) {
    bytes = new Uint8Array(buffer);
  } else {
    throw typeError('buffer', 'an ArrayBuffer, a SharedArrayBuffer or a view of one', buffer);
  }
  assertInteger(offset, 'offset', 0);
  if (offset > bytes.length) throw rangeError('offset', `at most ${bytes.length}`, offset);
  return bytes;
}

/** Copies `message` into `target` at `offset`; returns its length. */
function copyInto(target: Uint8Array, offset: number, message: Uint8Array): number {
  const room = target.length - offset;
  if (message.length > room) {
    throw new BufferTooShortError(new Uint8Array(message), room);
  }
  target.set(message, offset);
  return message.length;
}

function pollTimeout(timeout: unknown): number {
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    throw typeError('timeout', 'a number of milliseconds', timeout);
  }
  return Math.max(0, timeout);
}

function end(read: SharedArrayBuffer[] | null, write: SharedArrayBuffer[] | null): Connection {
  const state: LocalState = {
    kind: KIND,
    buffers: [...(read ?? []), ...(write ?? [])],
    meta: { readable: read !== null, writable: write !== null } satisfies ConnectionMeta,
  };
  const core = new ConnectionCore(state, currentOwnerId(), ownerTable());
  return new Connection({ [kAttach]: { state, core } });
}

/** Options of {@link Pipe}. */
export interface PipeOptions {
  /** `false`: the first end only receives and the second only sends. Default `true`. */
  readonly duplex?: boolean | undefined;
}

/**
 * A pair of connected ends: Python's `multiprocessing.Pipe()`. With `duplex` (the default)
 * each end sends to the other; without, `[reader, writer]`. Works between any two of the
 * main thread, threads and processes.
 *
 * @throws {ArgumentTypeError} when `duplex` is not a boolean.
 * @example
 * ```ts
 * const [reader, writer] = Pipe({ duplex: false });
 * writer.send([1, 'two']);
 * writer.close();
 * await reader.recv(); // [1, 'two']
 * await reader.recv(); // EOFError
 * ```
 */
export function Pipe(options?: PipeOptions): [Connection, Connection] {
  const duplex = options?.duplex ?? true;
  assertBoolean(duplex, 'duplex');
  const forward = queueBuffers(Discipline.Fifo, 0, false);
  if (!duplex) return [end(forward, null), end(null, forward)];
  const backward = queueBuffers(Discipline.Fifo, 0, false);
  return [end(backward, forward), end(forward, backward)];
}

registerSharedKind<ConnectionCoreApi>(
  KIND,
  {
    localCore: (state, owner, owners) => new ConnectionCore(state, owner, owners),
    wrap: (state, core) => new Connection({ [kAttach]: { state, core } }),
    methods: {
      send: 'sync',
      recv: 'async',
      recvSync: 'blocking',
      poll: 'async',
      pollSync: 'blocking',
      closeWrite: 'sync',
    },
  },
  import.meta.url,
);

// `<Connection readable writable>`, `<Connection closed>`.
defineRepr(Connection, (connection) => {
  if (connection.closed) return '<Connection closed>';
  const ends = [connection.readable ? 'readable' : '', connection.writable ? 'writable' : ''];
  return `<Connection ${ends.filter((end) => end !== '').join(' ')}>`;
});
