/**
 * Claim words: who decides whether an executor's task runs, the worker that is about to run
 * it or the caller that cancels its future. Each task sent to a worker has one Int32 word,
 * shared by the parent and the worker (a thread's `SharedArrayBuffer`, or an arena's words
 * in a child process). The word starts {@link CLAIM_PENDING}; the worker moves it to
 * {@link CLAIM_RUNNING} with one compare-and-swap just before it runs the task; `cancel()`
 * moves it to {@link CLAIM_CANCELLED}, and the engine to {@link CLAIM_REVOKED} when it takes
 * the task back to give it to an idle worker. Whoever swaps first wins; the loser sees the
 * winner's value. A task is therefore pending, and cancellable, until a worker is about to
 * run it, as in Python, however many tasks a worker was sent at once.
 *
 * ```text
 *   PENDING ──worker──▶ RUNNING
 *      │
 *      ├──cancel()──▶ CANCELLED   (the worker skips it)
 *      └──engine────▶ REVOKED     (the worker skips it; another worker was sent it)
 * ```
 */

/** Sent, not yet taken: a worker may still claim it, `cancel()` may still cancel it. */
export const CLAIM_PENDING = 0;
/** A worker took it: it runs, or ran. */
export const CLAIM_RUNNING = 1;
/** Its future was cancelled before a worker took it. */
export const CLAIM_CANCELLED = 2;
/** The engine took it back before a worker took it, to send it to another worker. */
export const CLAIM_REVOKED = 3;

/** Bytes of one claim word. */
export const CLAIM_BYTES = Int32Array.BYTES_PER_ELEMENT;

/** The worker's side: claims the task at `index`; `false` if it was cancelled or revoked. */
export function claimToRun(words: Int32Array, index: number): boolean {
  return Atomics.compareExchange(words, index, CLAIM_PENDING, CLAIM_RUNNING) === CLAIM_PENDING;
}

/**
 * The parent's side: moves the word from pending to `to` (cancelled or revoked). Returns the
 * value it had: {@link CLAIM_PENDING} if this call won.
 */
export function claimAway(
  words: Int32Array,
  index: number,
  to: typeof CLAIM_CANCELLED | typeof CLAIM_REVOKED,
): number {
  return Atomics.compareExchange(words, index, CLAIM_PENDING, to);
}

/** Whether a worker has claimed the task at `index`. */
export function isClaimed(words: Int32Array, index: number): boolean {
  return Atomics.load(words, index) === CLAIM_RUNNING;
}

/** Makes the word at `index` ready for a new task (the task it held was answered). */
export function resetClaim(words: Int32Array, index: number): void {
  Atomics.store(words, index, CLAIM_PENDING);
}
