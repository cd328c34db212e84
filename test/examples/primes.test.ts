/**
 * The course's prime-sum program: the arithmetic, the range split, and the whole table
 * computed by serial code, threads and processes with one answer.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cpuCount } from '../../src/index.ts';
import { main } from '../../src/examples/primes/main.ts';
import { isPrime, splitRange, sumPrimes } from '../../src/examples/primes/primes.ts';

it('isPrime() - the first primes, and the edge cases', () => {
  const primes = Array.from({ length: 50 }, (_, n) => n).filter(isPrime);
  assert.deepEqual(primes, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]);
  assert.equal(isPrime(-7), false);
  assert.equal(isPrime(7919), true);
  assert.equal(isPrime(7917), false);
});

it('sumPrimes() - known sums', () => {
  assert.equal(sumPrimes(0, 10), 17);
  assert.equal(sumPrimes(0, 100), 1060);
  // Project Euler problem 10.
  assert.equal(sumPrimes(0, 2_000_000), 142_913_828_922);
  assert.equal(sumPrimes(10, 20), 11 + 13 + 17 + 19);
});

it('splitRange() - consecutive ranges covering [0, n) exactly', () => {
  assert.deepEqual(splitRange(10, 4), [
    [0, 2],
    [2, 5],
    [5, 7],
    [7, 10],
  ]);
  const ranges = splitRange(1_000_003, 10);
  assert.equal(ranges.length, 10);
  assert.equal(ranges[0]?.[0], 0);
  assert.equal(ranges.at(-1)?.[1], 1_000_003);
  for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i]?.[0], ranges[i - 1]?.[1]);
});

it('main() - serial, threads, processes and both pools agree, in that order', async () => {
  const lines: string[] = [];
  const drawn: string[] = [];
  const terminal = { isTTY: true, write: (text: string) => drawn.push(text) };
  const rows = await main(50_000, (line) => lines.push(line), terminal);
  assert.deepEqual(
    rows.map((row) => [row.label, row.workers, row.sum]),
    [
      ['serial', 1, 121_013_308],
      ['threads', 4, 121_013_308],
      ['threads', 10, 121_013_308],
      ['processes', 4, 121_013_308],
      ['processes', 10, 121_013_308],
      ['thread pool', cpuCount(), 121_013_308],
      ['process pool', cpuCount(), 121_013_308],
    ],
  );
  // Each row drew its bar on the terminal, last at its 100% (chunks for the serial row and
  // the pools, workers finished for the threads and processes), then erased it for its line.
  const finals = [
    ['serial 1', '64/64 chunks'],
    ['threads 4', '4/4 threads'],
    ['threads 10', '10/10 threads'],
    ['processes 4', '4/4 processes'],
    ['processes 10', '10/10 processes'],
    [`thread pool ${cpuCount()}`, '64/64 chunks'],
    [`process pool ${cpuCount()}`, '64/64 chunks'],
  ];
  for (const [label, amount] of finals) {
    const bars = drawn.filter((text) => text.startsWith(`${label} `));
    assert.ok(bars.length >= 1, label);
    assert.match(bars.at(-1) ?? '', new RegExp(`\\] 100% {2}${amount} {2}\\d+\\.\\d s$`), label);
  }
  assert.equal(drawn.filter((text) => text.includes('\x1b[2K')).length, finals.length);
  assert.match(lines[0] ?? '', /^Sum of the primes below 50,000; cpuCount\(\) = \d+$/);
  assert.equal(lines.length, 11);
  assert.match(lines.at(-1) ?? '', /start from spares prestarted before each row is timed/);
  assert.match(lines[2] ?? '', /^serial\s+1\s+\d+\.\d\d\s+1\.00x\s+121,013,308$/);
});
