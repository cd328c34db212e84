/**
 * The server's end of the shared-memory channels (layout and why: channel-layout.ts): opens
 * a channel for a proven connection, polls the open ones, performs their requests through
 * the server's `perform`, and sleeps on the doorbell when no request came for a moment.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { futexWaitAsync, nativeAddon, type NativeAddon } from '../memory/native.ts';
import {
  AdaptiveSpin,
  ANSWERED,
  BELL_BYTES,
  CHANNEL_BYTES,
  DATA,
  HOST_HOT_MS,
  HOST_QUIET_SLICE_MS,
  HOST_SLICE_MS,
  HOST_SPIN_MS,
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

/** Performs one request's bytes; the reply's bytes. */
export type PerformBytes = (request: Buffer) => Buffer;

interface Channel {
  readonly words: Int32Array;
  readonly data: Uint8Array;
  /** Parts of a request not yet whole. */
  parts: Buffer[];
  /** What is left of a reply that did not fit. */
  rest: Buffer | undefined;
}

export class ChannelHost {
  readonly #addon: NativeAddon | null = nativeAddon();
  readonly #perform: PerformBytes;
  readonly #channels = new Set<Channel>();
  readonly #spin = new AdaptiveSpin(HOST_SPIN_MS);
  #lastSocket = -Infinity;
  #bell: { readonly words: Int32Array; readonly fd: number; readonly inode: number } | undefined;
  #serving = false;
  #stopped = false;

  constructor(perform: PerformBytes) {
    this.#perform = perform;
  }

  /**
   * A new channel, served until `closed` is called; where it is, or `null` without the
   * native addon (the client then stays on the socket).
   */
  open(): { place: ChannelPlace; close(): void } | null {
    const addon = this.#addon;
    if (addon === null || this.#stopped) return null;
    if (this.#bell === undefined) {
      const handle = addon.createArena(BELL_BYTES);
      this.#bell = { words: new Int32Array(handle.buffer), fd: handle.fd, inode: handle.inode };
    }
    const handle = addon.createArena(CHANNEL_BYTES);
    const channel: Channel = {
      words: new Int32Array(handle.buffer, 0, DATA / 4),
      data: new Uint8Array(handle.buffer),
      parts: [],
      rest: undefined,
    };
    this.#channels.add(channel);
    if (!this.#serving) {
      this.#serving = true;
      void this.#serve(addon, this.#bell.words);
    }
    const { fd, inode } = this.#bell;
    return {
      place: [process.pid, handle.fd, handle.inode, fd, inode],
      close: () => {
        this.#channels.delete(channel);
      },
    };
  }

  /** Stops serving, and wakes the loop if it sleeps. */
  stop(): void {
    this.#stopped = true;
    this.#channels.clear();
    const bell = this.#bell;
    if (bell !== undefined && this.#addon !== null) {
      Atomics.add(bell.words, RING, 1);
      this.#addon.wake(bell.words, RING);
    }
  }

  /**
   * Says a socket client just sent something: for a while the server returns to its event
   * loop often (every {@link HOST_SLICE_MS}) instead of every {@link HOST_QUIET_SLICE_MS}.
   */
  socketActive(): void {
    this.#lastSocket = performance.now();
  }

  async #serve(addon: NativeAddon, bell: Int32Array): Promise<void> {
    let lastRequest = performance.now();
    while (this.#running()) {
      // Hot: requests came lately. Serve them from this thread without returning to the
      // event loop, sleeping on the doorbell's futex between them (a client's ring wakes this
      // thread directly), until the slice ends (the socket clients' turn) or no request came
      // for HOST_HOT_MS.
      let now = performance.now();
      const socketsBusy = now - this.#lastSocket < HOST_HOT_MS;
      const sliceEnd = now + (socketsBusy ? HOST_SLICE_MS : HOST_QUIET_SLICE_MS);
      while (now < sliceEnd && now - lastRequest < HOST_HOT_MS) {
        const ring = Atomics.load(bell, RING);
        if (this.#poll()) {
          lastRequest = now = performance.now();
          continue;
        }
        if (!this.#spin.untilNot(bell, RING, ring)) {
          Atomics.store(bell, SLEEPING, 1);
          // A client rings after it posts: a ring since `ring` was read returns at once.
          if (!this.#poll()) {
            addon.wait(bell, RING, ring, Math.min(sliceEnd, lastRequest + HOST_HOT_MS) - now);
          }
          Atomics.store(bell, SLEEPING, 0);
        }
        now = performance.now();
      }
      if (now - lastRequest < HOST_HOT_MS) {
        await nextTurn(); // Let the socket clients in, then serve on.
        continue;
      }
      // Cold: sleep in the event loop until a client rings. A ring after RING is read
      // changes it, so the wait returns at once.
      Atomics.store(bell, SLEEPING, 1);
      const ring = Atomics.load(bell, RING);
      if (!this.#poll() && this.#running()) await futexWaitAsync(addon, bell, RING, ring);
      Atomics.store(bell, SLEEPING, 0);
      lastRequest = performance.now();
    }
    this.#serving = false;
  }

  /** Whether there is anything to serve (stop() clears the channels). */
  #running(): boolean {
    return !this.#stopped && this.#channels.size > 0;
  }

  /** Serves every channel with a request posted; whether there was one. */
  #poll(): boolean {
    let served = false;
    for (const channel of this.#channels) {
      if (Atomics.load(channel.words, STATE) !== POSTED) continue;
      served = true;
      this.#serveOne(channel);
    }
    return served;
  }

  #serveOne(channel: Channel): void {
    const { words, data } = channel;
    const kind = words[KIND];
    const bytes = take(words, data);
    if (kind === PART) {
      channel.parts.push(bytes);
      this.#answer(channel, Buffer.alloc(0));
    } else if (kind === MORE) {
      this.#answer(channel, channel.rest ?? Buffer.alloc(0));
    } else {
      const request = channel.parts.length === 0 ? bytes : Buffer.concat([...channel.parts, bytes]);
      channel.parts = [];
      this.#answer(channel, this.#perform(request));
    }
  }

  #answer(channel: Channel, reply: Buffer): void {
    const { words, data } = channel;
    const room = data.length - DATA;
    if (reply.length > room) {
      post(words, data, PART, reply.subarray(0, room));
      channel.rest = reply.subarray(room);
    } else {
      post(words, data, WHOLE, reply);
      channel.rest = undefined;
    }
    Atomics.store(words, STATE, ANSWERED);
    if (Atomics.load(words, SLEEPING) === 1) this.#addon?.wake(words, STATE);
  }
}
