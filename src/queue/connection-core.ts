/**
 * The core of a {@link Connection} end (connection.ts): the two channels it reads and
 * writes, each a queue's memory (queue-core.ts), here or through the broker. Messages travel
 * as bytes, framed by connection-messages.ts.
 */
import { EOFError, QueueShutDownError, StateError } from '../errors.ts';
import type { OwnerTable } from '../memory/owners.ts';
import { stateBuffers, type LocalState } from '../memory/shared-object.ts';
import { QueueCore } from './queue-core.ts';
import { QUEUE_BUFFERS } from './queue-layout.ts';

/** What a Connection's shared state says of its end. */
export interface ConnectionMeta {
  readonly readable: boolean;
  readonly writable: boolean;
}

/** An end's operations, here or through the broker. Messages travel as bytes. */
export interface ConnectionCoreApi {
  send(message: Uint8Array): void;
  recv(signal?: AbortSignal): Promise<Uint8Array>;
  recvSync(): Uint8Array;
  poll(timeout: number, signal?: AbortSignal): Promise<boolean>;
  pollSync(timeout: number): boolean;
  closeWrite(): void;
}

function eofInstead(error: unknown): unknown {
  return error instanceof QueueShutDownError ? new EOFError() : error;
}

/** One realm's view of an end: its channels as queue cores. */
export class ConnectionCore implements ConnectionCoreApi {
  readonly #read: QueueCore | undefined;
  readonly #write: QueueCore | undefined;

  constructor(state: LocalState, owner: number, owners: OwnerTable) {
    const { readable, writable } = state.meta as ConnectionMeta;
    // The channel this end reads (a queue's buffers, when readable), then the one it
    // writes (when writable); see queue-layout.ts for their layout.
    const buffers = [...stateBuffers(state, (Number(readable) + Number(writable)) * QUEUE_BUFFERS)];
    this.#read = readable
      ? new QueueCore(buffers.splice(0, QUEUE_BUFFERS), owner, owners)
      : undefined;
    this.#write = writable
      ? new QueueCore(buffers.splice(0, QUEUE_BUFFERS), owner, owners)
      : undefined;
  }

  #reader(): QueueCore {
    if (this.#read === undefined) {
      throw new StateError('ERR_CONNECTION_WRITE_ONLY', 'connection is write-only');
    }
    return this.#read;
  }

  #writer(): QueueCore {
    if (this.#write === undefined) {
      throw new StateError('ERR_CONNECTION_READ_ONLY', 'connection is read-only');
    }
    return this.#write;
  }

  send(message: Uint8Array): void {
    // Unbounded: never waits. A closed peer's channel is not refused (see Connection.close).
    this.#writer().putSync(message, null, 0);
  }

  async recv(signal?: AbortSignal): Promise<Uint8Array> {
    try {
      return await this.#reader().get(Infinity, signal);
    } catch (error) {
      throw eofInstead(error);
    }
  }

  recvSync(): Uint8Array {
    try {
      return this.#reader().getSync(Infinity);
    } catch (error) {
      throw eofInstead(error);
    }
  }

  poll(timeout: number, signal?: AbortSignal): Promise<boolean> {
    return this.#reader().poll(timeout, signal);
  }

  pollSync(timeout: number): boolean {
    return this.#reader().pollSync(timeout);
  }

  closeWrite(): void {
    this.#write?.shutdown(false);
  }
}
