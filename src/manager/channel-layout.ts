/**
 * The shared-memory channel between a Manager's server and a client process on the same
 * machine: the layout both ends agree on (channel-host.ts is the server's end,
 * channel-client.ts the client's).
 *
 * A round trip through a socket wakes two event loops (the server's and the client's) and
 * passes through the kernel's socket buffers and Node's stream machinery twice; on this
 * 2-core machine that put a dict proxy's round trip level with CPython's Manager. Between
 * processes of one machine the server instead hands each client connection that asks for
 * it a channel: an arena (a memfd, see memory/arena.ts) with one request/reply slot, which
 * the client maps through `/proc/<server pid>/fd/<fd>`. The client writes a request and
 * bumps the server's doorbell; the server, which serves a busy channel from its main thread
 * without returning to its event loop (spinning for a moment, then blocking on the
 * doorbell's futex: see {@link HOST_HOT_MS}), performs it and writes the reply; the client
 * spins for a moment, then blocks on the slot's futex. Each call costs at most one direct
 * futex wake each way, and none while both ends are busy on their own CPUs.
 *
 * Only the socket's proven (authkey handshake) clients get a channel, and only the
 * synchronous built-in types (dict, list, namespace) are served through it: a method that
 * may wait (a registered type's, a served lock's) goes through the socket, where a pending
 * call holds up nobody. Both ends still use the network codec: a peer on the same machine is
 * not necessarily trusted more than one across the network, and the codec costs about 2 µs
 * a call (encode and decode, both ways), little beside the wakes.
 *
 * Channel layout (Int32 slots, then the data from byte {@link DATA}):
 *
 * ```
 * [0] STATE     0 idle, 1 request posted (client → server), 2 reply posted (server → client)
 * [1] SLEEPING  1 while the client sleeps on STATE (the server then wakes it)
 * [2] LENGTH    bytes of data in this message
 * [3] KIND      what the message is (below)
 * ```
 *
 * A message longer than the data area crosses in parts: a request as `PART`s then a
 * `WHOLE` (the server acknowledges each part with an empty `WHOLE`), a reply as `PART`s the
 * client fetches one by one with `MORE`, then a `WHOLE`.
 *
 * Doorbell layout (Int32 slots, one per server): `[0] RING` bumped after every request,
 * `[1] SLEEPING` 1 while the server sleeps on RING.
 */

export const STATE = 0;
export const SLEEPING = 1;
export const LENGTH = 2;
export const KIND = 3;

export const IDLE = 0;
export const POSTED = 1;
export const ANSWERED = 2;

/** A whole message, or the last part of one. */
export const WHOLE = 1;
/** A part of a longer message; more follow. */
export const PART = 2;
/** (Request) the next part of the reply, please. */
export const MORE = 3;

export const RING = 0;

/** Where the data starts: one cache line after the slots. */
export const DATA = 64;
/** The bytes of one channel's arena (its pages cost nothing until touched). */
export const CHANNEL_BYTES = 256 * 1024;
/** The bytes of the doorbell's arena. */
export const BELL_BYTES = 64;

/**
 * How the server waits for requests. While they come (the last one less than
 * {@link HOST_HOT_MS} ago) it serves them without returning to its event loop: it spins on
 * its doorbell for up to {@link HOST_SPIN_MS} (adapted by {@link AdaptiveSpin}), then blocks
 * on the doorbell's futex, which a client's ring wakes directly. It lets its event loop run
 * once (the socket clients' turn) every {@link HOST_SLICE_MS} while socket clients are
 * active, every {@link HOST_QUIET_SLICE_MS} otherwise. Past that, it sleeps in the event
 * loop (an async futex wait on the doorbell: a waiter thread, then the event loop, wake,
 * which costs far more).
 *
 * Why the futex waits are long: a wait with a timeout arms a timer, and on this (virtual)
 * machine a timer that is the CPU's next one to expire has to be programmed into the
 * hardware, which a 1 ms timeout nearly always is. Measured between two processes at a load
 * average of 15 on 2 cores, a futex round trip took 11–33 µs with 1 ms timeouts and 4–8 µs
 * with 5 ms or longer ones.
 */
export const HOST_SPIN_MS = 0.05;
export const HOST_SLICE_MS = 1;
export const HOST_QUIET_SLICE_MS = 10;
export const HOST_HOT_MS = 10;
/**
 * How a client waits for its reply: it spins for up to {@link CLIENT_SPIN_MS} (adapted by
 * {@link AdaptiveSpin}), then blocks on the slot's futex for up to {@link CLIENT_BLOCK_MS}
 * in all, then, for an async call, sleeps in the event loop. A dict, list or namespace
 * method never waits, so the block ends as soon as the server gets to the request; the
 * limit only matters when the server is held up (a long sort, a burst of socket clients).
 */
export const CLIENT_SPIN_MS = 0.05;
export const CLIENT_BLOCK_MS = 10;
/** How often a sleeping client checks that the server process is still alive, in ms. */
export const ALIVE_CHECK_MS = 100;

/** Where the channel and the doorbell are, as the server names them to a client. */
export type ChannelPlace = readonly [
  pid: number,
  fd: number,
  inode: number,
  bellFd: number,
  bellInode: number,
];

/** A channel place from data that came from the server: checked field by field. */
export function isChannelPlace(value: unknown): value is ChannelPlace {
  return (
    Array.isArray(value) &&
    value.length === 5 &&
    value.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)
  );
}

/** Writes `bytes` into the channel's data area and posts it as `kind`. */
export function post(words: Int32Array, data: Uint8Array, kind: number, bytes: Uint8Array): void {
  data.set(bytes, DATA);
  words[LENGTH] = bytes.length;
  words[KIND] = kind;
}

/** A copy of the message in the channel's data area. */
export function take(words: Int32Array, data: Uint8Array): Buffer {
  const length = words[LENGTH] ?? 0;
  return Buffer.from(data.subarray(DATA, DATA + Math.min(length, data.length - DATA)));
}

/**
 * A spin that learns whether spinning pays: spinning wins only while the other process runs
 * on another CPU. When both share one (the scheduler packs a busy machine), every spin
 * keeps the other from answering until it times out. So a spin that ends empty-handed halves
 * the next one's budget, down to none, and one that succeeds doubles it, up to `maxMs`.
 * Without a budget, every {@link PROBE_EVERY}th wait spins in full, and a success restores
 * the budget. Past the spin, the caller sleeps on a futex.
 */
export class AdaptiveSpin {
  readonly #maxMs: number;
  #budget: number;
  #skipped = 0;

  constructor(maxMs: number) {
    this.#maxMs = maxMs;
    this.#budget = maxMs;
  }

  /** Spins until `words[index]` is `value`, within the budget; whether it got there. */
  until(words: Int32Array, index: number, value: number): boolean {
    return this.#spin(words, index, value, true);
  }

  /** Spins until `words[index]` is no longer `value`, within the budget; whether it moved. */
  untilNot(words: Int32Array, index: number, value: number): boolean {
    return this.#spin(words, index, value, false);
  }

  #spin(words: Int32Array, index: number, value: number, equal: boolean): boolean {
    let ms = this.#budget;
    const probe = ms === 0 && ++this.#skipped >= PROBE_EVERY;
    if (probe) {
      this.#skipped = 0;
      ms = this.#maxMs;
    }
    if (ms === 0) return (Atomics.load(words, index) === value) === equal;
    const got = spinUntil(words, index, value, equal, ms);
    if (got) {
      this.#budget = Math.min(this.#maxMs, Math.max(this.#budget * 2, this.#maxMs / 8));
    } else if (!probe) {
      this.#budget = this.#budget < this.#maxMs / 8 ? 0 : this.#budget / 2;
    }
    return got;
  }
}

/** See {@link AdaptiveSpin}. */
export const PROBE_EVERY = 64;

/**
 * Spins until `words[index]` is `value` (or, `equal` false, is not) or `ms` pass; whether it
 * got there.
 */
export function spinUntil(
  words: Int32Array,
  index: number,
  value: number,
  equal: boolean,
  ms: number,
): boolean {
  if ((Atomics.load(words, index) === value) === equal) return true;
  const deadline = performance.now() + ms;
  for (let i = 1; ; i++) {
    if ((Atomics.load(words, index) === value) === equal) return true;
    if ((i & 31) === 0 && performance.now() > deadline) return false;
  }
}
