/**
 * The client's end of a shared-memory channel (layout and why: channel-layout.ts). One
 * request at a time crosses a channel: async calls queue and go in the order they were made;
 * a call spins for its reply for a moment, then sleeps on the slot (`waitAsync` for an async
 * call, a blocking futex wait for a `Sync` one), checking now and then that the server
 * process is still alive, so that a server killed mid-call fails the call fast.
 */
import { BrokerError } from '../errors.ts';
import { isProcessAlive, type NativeAddon } from '../memory/native.ts';
import {
  AdaptiveSpin,
  ALIVE_CHECK_MS,
  ANSWERED,
  CLIENT_BLOCK_MS,
  CLIENT_SPIN_MS,
  DATA,
  KIND,
  MORE,
  PART,
  post,
  POSTED,
  RING,
  SLEEPING,
  STATE,
  take,
  WHOLE,
  type ChannelPlace,
} from './channel-layout.ts';

/** Why a channel can no longer be used: the server is gone (or the connection closed). */
function lost(reason: string): BrokerError {
  return new BrokerError('ERR_MANAGER_LOST', `the manager cannot be reached: ${reason}`);
}

interface Queued {
  readonly request: Buffer;
  readonly resolve: (reply: Buffer) => void;
  readonly reject: (error: unknown) => void;
}

export class ChannelClient {
  readonly #addon: NativeAddon;
  readonly #words: Int32Array;
  readonly #data: Uint8Array;
  readonly #bell: Int32Array;
  readonly #pid: number;
  readonly #startTime: number;
  readonly #queue: Queued[] = [];
  readonly #spin = new AdaptiveSpin(CLIENT_SPIN_MS);
  #busy = false;
  #lost: string | undefined;

  /** Maps the channel at `place`; throws if this process cannot (another machine). */
  constructor(addon: NativeAddon, place: ChannelPlace) {
    const [pid, fd, inode, bellFd, bellInode] = place;
    const startTime = addon.processStartTime(pid);
    if (startTime === null) throw lost(`the server process ${pid} is not running`);
    const buffer = addon.openArena(pid, fd, inode).buffer;
    this.#addon = addon;
    this.#words = new Int32Array(buffer, 0, DATA / 4);
    this.#data = new Uint8Array(buffer);
    this.#bell = new Int32Array(addon.openArena(pid, bellFd, bellInode).buffer);
    this.#pid = pid;
    this.#startTime = startTime;
  }

  /** Whether no call is on the channel (a `Sync` call may take it). */
  get idle(): boolean {
    return !this.#busy && this.#lost === undefined;
  }

  /** Ends the channel: queued and later calls fail with `reason`. */
  close(reason: string): void {
    this.#lost ??= reason;
    for (const queued of this.#queue.splice(0)) queued.reject(lost(reason));
  }

  /**
   * Sends a request's bytes and resolves with the reply's. A whole round trip that the
   * server answers within the spin settles without waiting for the event loop.
   */
  call(request: Buffer): Promise<Buffer> {
    if (this.#lost !== undefined) return Promise.reject(lost(this.#lost));
    if (this.#busy) {
      return new Promise((resolve, reject) => {
        this.#queue.push({ request, resolve, reject });
      });
    }
    return this.#start(request);
  }

  #start(request: Buffer): Promise<Buffer> {
    if (request.length <= this.#room()) {
      this.#send(WHOLE, request);
      if (this.#waitBlocking(CLIENT_BLOCK_MS) && this.#words[KIND] === WHOLE) {
        return Promise.resolve(take(this.#words, this.#data));
      }
      return this.#run(this.#finish());
    }
    return this.#run(this.#exchangeAsync(request));
  }

  /** {@link call}, blocking the thread until the reply (or the server's death). */
  callSync(request: Buffer): Buffer {
    if (this.#lost !== undefined) throw lost(this.#lost);
    const room = this.#room();
    let at = 0;
    for (; request.length - at > room; at += room) {
      this.#send(PART, request.subarray(at, at + room));
      this.#waitSync();
    }
    this.#send(WHOLE, request.subarray(at));
    this.#waitSync();
    const parts: Buffer[] = [];
    while (this.#words[KIND] === PART) {
      parts.push(take(this.#words, this.#data));
      this.#send(MORE, Buffer.alloc(0));
      this.#waitSync();
    }
    parts.push(take(this.#words, this.#data));
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  #room(): number {
    return this.#data.length - DATA;
  }

  /** Runs one async exchange with the channel marked busy, then the next queued call. */
  async #run(exchange: Promise<Buffer>): Promise<Buffer> {
    this.#busy = true;
    try {
      return await exchange;
    } finally {
      this.#busy = false;
      this.#drain();
    }
  }

  /** Starts the queued calls, in order, until one has to wait. */
  #drain(): void {
    while (!this.#busy) {
      const next = this.#queue.shift();
      if (next === undefined) return;
      if (this.#lost !== undefined) next.reject(lost(this.#lost));
      else this.#start(next.request).then(next.resolve, next.reject);
    }
  }

  async #exchangeAsync(request: Buffer): Promise<Buffer> {
    const room = this.#room();
    let at = 0;
    for (; request.length - at > room; at += room) {
      this.#send(PART, request.subarray(at, at + room));
      await this.#waitAsync();
    }
    this.#send(WHOLE, request.subarray(at));
    return this.#finish();
  }

  /** Waits for the reply to the request just sent, fetching every part of a long one. */
  async #finish(): Promise<Buffer> {
    await this.#waitAsync();
    const parts: Buffer[] = [];
    while (this.#words[KIND] === PART) {
      parts.push(take(this.#words, this.#data));
      this.#send(MORE, Buffer.alloc(0));
      await this.#waitAsync();
    }
    parts.push(take(this.#words, this.#data));
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  #send(kind: number, bytes: Uint8Array): void {
    const words = this.#words;
    post(words, this.#data, kind, bytes);
    Atomics.store(words, STATE, POSTED);
    // The server sets SLEEPING before it reads RING: it sees this ring, or we see it asleep.
    Atomics.add(this.#bell, RING, 1);
    if (Atomics.load(this.#bell, SLEEPING) === 1) this.#addon.wake(this.#bell, RING);
  }

  async #waitAsync(): Promise<void> {
    if (this.#waitBlocking(CLIENT_BLOCK_MS)) return;
    const words = this.#words;
    while (Atomics.load(words, STATE) !== ANSWERED) {
      this.#checkAlive();
      Atomics.store(words, SLEEPING, 1);
      const { promise } = this.#addon.waitAsync(words, STATE, POSTED, ALIVE_CHECK_MS);
      await promise;
      Atomics.store(words, SLEEPING, 0);
    }
  }

  #waitSync(): void {
    while (!this.#waitBlocking(ALIVE_CHECK_MS)) this.#checkAlive();
  }

  /** Spins, then blocks the thread, for at most `ms` in all; whether the reply came. */
  #waitBlocking(ms: number): boolean {
    const words = this.#words;
    if (this.#spin.until(words, STATE, ANSWERED)) return true;
    const deadline = performance.now() + ms;
    for (;;) {
      Atomics.store(words, SLEEPING, 1);
      const left = deadline - performance.now();
      if (Atomics.load(words, STATE) !== ANSWERED && left > 0) {
        this.#addon.wait(words, STATE, POSTED, left);
      }
      Atomics.store(words, SLEEPING, 0);
      if (Atomics.load(words, STATE) === ANSWERED) return true;
      if (performance.now() >= deadline) return false;
    }
  }

  #checkAlive(): void {
    if (this.#lost !== undefined) throw lost(this.#lost);
    if (!isProcessAlive(this.#addon, this.#pid, this.#startTime)) {
      this.close(`the server process ${this.#pid} died`);
      throw lost(`the server process ${this.#pid} died`);
    }
  }
}
