/**
 * The client's end of a shared-memory channel (layout and why: channel-layout.ts). One
 * request at a time crosses a channel: async calls queue and go in the order they were made;
 * a call spins for its reply for a moment, then sleeps on the slot (`waitAsync` for an async
 * call, a blocking futex wait for a `Sync` one), checking now and then that the server
 * process is still alive, so that a server killed mid-call fails the call fast.
 */
import { isProcessAlive, type NativeAddon } from '../memory/native.ts';
import {
  ALIVE_CHECK_MS,
  ANSWERED,
  CLIENT_SPIN_MS,
  DATA,
  KIND,
  MORE,
  PART,
  post,
  POSTED,
  RING,
  SLEEPING,
  spinUntil,
  STATE,
  take,
  WHOLE,
  type ChannelPlace,
} from './channel-layout.ts';

/** Why a channel can no longer be used. */
export class ChannelLost extends Error {}

interface Queued {
  readonly request: Buffer;
  resolve(reply: Buffer): void;
  reject(error: unknown): void;
}

export class ChannelClient {
  readonly #addon: NativeAddon;
  readonly #words: Int32Array;
  readonly #data: Uint8Array;
  readonly #bell: Int32Array;
  readonly #pid: number;
  readonly #startTime: number;
  readonly #queue: Queued[] = [];
  #busy = false;
  #lost: string | undefined;

  /** Maps the channel at `place`; throws if this process cannot (another machine). */
  constructor(addon: NativeAddon, place: ChannelPlace) {
    const [pid, fd, inode, bellFd, bellInode] = place;
    const startTime = addon.processStartTime(pid);
    if (startTime === null) throw new ChannelLost(`the server process ${pid} is not running`);
    const buffer = addon.openArena(pid, fd, inode).buffer;
    this.#addon = addon;
    this.#words = new Int32Array(buffer, 0, DATA / 4);
    this.#data = new Uint8Array(buffer);
    this.#bell = new Int32Array(addon.openArena(pid, bellFd, bellInode).buffer);
    this.#pid = pid;
    this.#startTime = startTime;
  }

  /** Ends the channel: queued and later calls fail with `reason`. */
  close(reason: string): void {
    this.#lost ??= reason;
    for (const queued of this.#queue.splice(0)) queued.reject(new ChannelLost(reason));
  }

  /**
   * Sends a request's bytes and resolves with the reply's. A whole round trip that the
   * server answers within the spin settles without waiting for the event loop.
   */
  call(request: Buffer): Promise<Buffer> {
    if (this.#lost !== undefined) return Promise.reject(new ChannelLost(this.#lost));
    if (this.#busy) {
      return new Promise((resolve, reject) => {
        this.#queue.push({ request, resolve, reject });
      });
    }
    if (request.length <= this.#room()) {
      this.#send(WHOLE, request);
      if (spinUntil(this.#words, ANSWERED, CLIENT_SPIN_MS) && this.#words[KIND] === WHOLE) {
        return Promise.resolve(take(this.#words, this.#data));
      }
      return this.#run(this.#finish());
    }
    return this.#run(this.#exchangeAsync(request));
  }

  /** {@link call}, blocking the thread until the reply (or the server's death). */
  callSync(request: Buffer): Buffer {
    if (this.#lost !== undefined) throw new ChannelLost(this.#lost);
    if (this.#busy) throw new ChannelLost('busy'); // the caller uses another channel
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
      const next = this.#queue.shift();
      if (next !== undefined) this.call(next.request).then(next.resolve, next.reject);
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
    const words = this.#words;
    if (spinUntil(words, ANSWERED, CLIENT_SPIN_MS)) return;
    while (Atomics.load(words, STATE) !== ANSWERED) {
      this.#checkAlive();
      Atomics.store(words, SLEEPING, 1);
      const { promise } = this.#addon.waitAsync(words, STATE, POSTED, ALIVE_CHECK_MS);
      await promise;
      Atomics.store(words, SLEEPING, 0);
    }
  }

  #waitSync(): void {
    const words = this.#words;
    if (spinUntil(words, ANSWERED, CLIENT_SPIN_MS)) return;
    while (Atomics.load(words, STATE) !== ANSWERED) {
      this.#checkAlive();
      Atomics.store(words, SLEEPING, 1);
      this.#addon.wait(words, STATE, POSTED, ALIVE_CHECK_MS);
      Atomics.store(words, SLEEPING, 0);
    }
  }

  #checkAlive(): void {
    if (this.#lost !== undefined) throw new ChannelLost(this.#lost);
    if (!isProcessAlive(this.#addon, this.#pid, this.#startTime)) {
      this.close(`the server process ${this.#pid} died`);
      throw new ChannelLost(`the server process ${this.#pid} died`);
    }
  }
}
