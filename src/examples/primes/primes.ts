/**
 * The course's prime-sum work: the sum of the primes in a range, by trial division. The
 * tasks are exported so that threads and processes can run them by name.
 */
import { writeFileSync, renameSync } from 'node:fs';

/** Whether `n` is prime, by trial division with odd divisors up to its square root. */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) {
    if (n % d === 0) return false;
  }
  return true;
}

/** The sum of the primes p with `lo <= p < hi`. Exact below 2^53. */
export function sumPrimes(lo: number, hi: number): number {
  let sum = 0;
  for (let n = Math.max(lo, 2); n < hi; n++) {
    if (isPrime(n)) sum += n;
  }
  return sum;
}

/** A thread's task: sums its range into slot `slot` of a shared Float64Array. */
export function sumPrimesIntoShared(
  lo: number,
  hi: number,
  results: Float64Array,
  slot: number,
): void {
  results[slot] = sumPrimes(lo, hi);
}

/**
 * A process's task: sums its range and writes the result to `path`. Child processes share
 * no memory with their parent, so the result travels through a file, written to a
 * temporary name and renamed so that a reader never sees half of it.
 */
export function sumPrimesIntoFile(lo: number, hi: number, path: string): void {
  const partial = `${path}.partial`;
  writeFileSync(partial, String(sumPrimes(lo, hi)));
  renameSync(partial, path);
}

/** Splits [0, n) into `parts` consecutive ranges of (nearly) equal length. */
export function splitRange(n: number, parts: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let i = 0; i < parts; i++) {
    ranges.push([Math.floor((n * i) / parts), Math.floor((n * (i + 1)) / parts)]);
  }
  return ranges;
}
