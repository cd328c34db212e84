/**
 * The work every pool runs, written once. piscina and tinypool load this module directly
 * (named exports, chosen with `{ name }`); workerpool, poolifier and the raw baseline wrap
 * it in their own worker files. The prime sum is the course's own function.
 */
import { writeFileSync } from 'node:fs';
import { sumPrimes as sumPrimesBetween } from '../../src/examples/primes/primes.ts';

/** A half-open range [lo, hi) of the numbers whose primes are summed. */
export interface PrimeRange {
  readonly lo: number;
  readonly hi: number;
}

/** Where a dying worker writes the moment it dies. */
export interface DeathNote {
  readonly path: string;
}

/** The tiny task: the input plus one. */
export function inc(x: number): number {
  return x + 1;
}

/** The CPU-bound task: the sum of the primes in the range. */
export function sumPrimes(range: PrimeRange): number {
  return sumPrimesBetween(range.lo, range.hi);
}

/**
 * Dies mid-task: writes the monotonic clock (ns, shared by every thread and process on the
 * machine) to `note.path`, then ends its thread with `process.exit(1)`.
 */
export function die(note: DeathNote): never {
  writeFileSync(note.path, String(process.hrtime.bigint()));
  process.exit(1);
}

/** The tasks by name, with their argument and result types. */
export interface Tasks {
  inc: typeof inc;
  sumPrimes: typeof sumPrimes;
  die: typeof die;
}

export type TaskName = keyof Tasks;
export type TaskArg<K extends TaskName> = Parameters<Tasks[K]>[0];
export type TaskResult<K extends TaskName> = ReturnType<Tasks[K]>;

/** Runs a task named in a message. */
export function runTask(name: TaskName, arg: unknown): unknown {
  switch (name) {
    case 'inc':
      return inc(arg as number);
    case 'sumPrimes':
      return sumPrimes(arg as PrimeRange);
    case 'die':
      return die(arg as DeathNote);
  }
}
