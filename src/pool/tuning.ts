/**
 * The engine's tuning constants, in one place. Each trades the cost of a message or of an
 * event-loop wake-up against how evenly work spreads over the workers; the comment on each
 * says which way, and why its value.
 */

/**
 * The most tasks sent to one worker in one message. A burst of tiny tasks then costs one
 * message per few hundred, while one message's structured clone stays short enough that the
 * other workers are not kept waiting behind it.
 */
export const MAX_BATCH = 256;

/**
 * A worker's batch is at most its even share of the queue divided by this: a quarter per
 * worker, the same factor Python's `Pool.map` uses for its default chunksize. What stays
 * queued goes to whichever worker finishes first, so tasks of uneven length still spread.
 */
export const BATCH_SHARE_DIVISOR = 4;

/**
 * Tasks longer than this (the running average, in ms) are dealt {@link LONG_TASK_BATCH} at a
 * time per worker: one message per task is cheap next to half a millisecond of work, and
 * the last tasks spread over every worker instead of queueing behind one.
 */
export const LONG_TASK_MS = 0.5;

/** The batch of a worker while tasks are long: one running, one waiting to start at once. */
export const LONG_TASK_BATCH = 2;

/**
 * Weight of the newest answers in the running average of a task's time (what it knew keeps
 * the rest): a change in task length shows within a few batches, while one odd batch does
 * not swing the batch size.
 */
export const TASK_MS_NEWEST = 0.3;

/**
 * How long the submitting thread waits for an answer expected at once, in ms. A spinning
 * worker answers a tiny task within microseconds; 50 µs covers that with room to spare, and
 * is all that is lost when the answer does not come.
 */
export const ANSWER_SPIN_MS = 0.05;

/**
 * The submitting thread waits only while tasks have averaged under this, in ms. A round trip
 * without the wait stays under it; an average above it means tasks do real work, whose
 * answer would not come within {@link ANSWER_SPIN_MS}.
 */
export const ANSWER_TASK_MS = 0.25;

/**
 * The most answers waited for in a row before this thread's event loop gets a turn: at
 * {@link ANSWER_SPIN_MS} each, timers and I/O wait at most about 13 ms.
 */
export const MAX_CHAINED_ANSWERS = 256;

/**
 * The queue's array is cut once more than this many sent tasks sit before its head, and they
 * are over half of it: copying then costs less than one step per task sent, and a short
 * queue is never copied at all.
 */
export const QUEUE_COMPACT_AT = 1024;
