/**
 * Waiting a moment for a message announced by a shared counter, instead of returning to the
 * event loop: the spin-then-sleep loop of a thread channel, written once for both ends.
 *
 * A sender bumps a signal word after each message it posts on a `MessagePort` (see
 * {@link signal}); a receiver that expects a message within microseconds watches the word
 * (see {@link spinFor}), first spinning, then sleeping in `Atomics.wait`, and takes the
 * message with `receiveMessageOnPort` the moment the count moves. Waking a sleeping event
 * loop costs far more than that.
 *
 * Layout of a signal (Int32 slots):
 *
 * ```
 * [0] POSTED   messages posted so far; bumped and notified after each post
 * [1] CLOSING  set once by the sender just before it ends on its own (0 until then)
 * ```
 */

const POSTED = 0;
const CLOSING = 1;
const SIGNAL_SLOTS = 2;

/**
 * How long a pool waiting for an answer spins before it sleeps on the answer counter, in
 * milliseconds.
 */
export const ANSWER_BUSY_MS = 0.01;

/**
 * How long an idle pool worker watches its mailbox before it returns to its event loop, in
 * milliseconds: the first {@link BUSY_SPIN_MS} spinning, the rest in `Atomics.wait`.
 */
export const SPIN_MS = 0.25;
/** See {@link SPIN_MS}. */
export const BUSY_SPIN_MS = 0.05;

/**
 * Spin only while `count[0]` (spinners and busy workers, the caller included) is at most
 * `max`: a spinner must not take the CPU that the thread it waits for needs.
 */
export interface SpinGate {
  readonly count: Int32Array;
  readonly max: number;
}

/** A new signal word pair, to share with the other end of a port. */
export function newSignal(): Int32Array<SharedArrayBuffer> {
  return new Int32Array(new SharedArrayBuffer(SIGNAL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
}

/** Says a message was posted: bumps the count and wakes a receiver sleeping on it. */
export function signal(cells: Int32Array): void {
  Atomics.add(cells, POSTED, 1);
  Atomics.notify(cells, POSTED, 1);
}

/** Says the sender ends on its own now: what it posted before is all there will be. */
export function signalClosing(cells: Int32Array): void {
  Atomics.store(cells, CLOSING, 1);
}

/** Whether the sender said it was ending on its own. */
export function isClosing(cells: Int32Array): boolean {
  return Atomics.load(cells, CLOSING) === 1;
}

/**
 * Waits up to `ms` for the signal's count to move past `received` and `take()` to give a
 * message: spins for the first `busyMs`, then sleeps on the word (the sender notifies it).
 * With a `gate`, stops as soon as too many threads are busy or spinning.
 *
 * Returns the message, or `undefined` when none came in time; the caller counts what it
 * received.
 */
export function spinFor<T>(
  cells: Int32Array,
  received: number,
  take: () => T | undefined,
  ms: number,
  busyMs: number,
  gate: SpinGate | null,
): T | undefined {
  const start = performance.now();
  const busyUntil = start + busyMs;
  const until = start + ms;
  while (gate === null || Atomics.load(gate.count, 0) <= gate.max) {
    const seen = Atomics.load(cells, POSTED);
    // The count moves after the post, so a moved count means the message is in the port.
    if (seen !== received) {
      const message = take();
      if (message !== undefined) return message;
    }
    const now = performance.now();
    if (now >= until) break;
    // Past a short busy spin, sleep on the counter: no CPU is taken from a thread that
    // needs it (one that shares this CPU), and the wake is direct.
    if (now >= busyUntil) Atomics.wait(cells, POSTED, seen, until - now);
  }
  return undefined;
}
