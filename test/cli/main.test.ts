/** The multitask command's arguments and exit codes. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { run } from '../../src/cli/main.ts';

function capture(): {
  out: string[];
  err: string[];
  write: (line: string) => void;
  error: (line: string) => void;
} {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, write: (line) => out.push(line), error: (line) => err.push(line) };
}

it('multitask --help - prints the usage, exit code 0', async () => {
  const io = capture();
  assert.equal(await run(['--help'], io.write, io.error), 0);
  assert.match(io.out.join('\n'), /^Usage: multitask <command>/);
  assert.match(io.out.join('\n'), /primes \[--n N\]/);
});

it('multitask - no command prints the usage, exit code 2', async () => {
  const io = capture();
  assert.equal(await run([], io.write, io.error), 2);
  assert.match(io.out.join('\n'), /^Usage/);
});

it('multitask nope - an unknown command is named, exit code 2', async () => {
  const io = capture();
  assert.equal(await run(['nope'], io.write, io.error), 2);
  assert.match(io.err.join('\n'), /^Unknown command `nope`/);
});

it('multitask primes --n - a bad N is named, exit code 2', async () => {
  for (const bad of ['abc', '1', '1.5', '-3']) {
    const io = capture();
    assert.equal(await run(['primes', `--n=${bad}`], io.write, io.error), 2);
    assert.deepEqual(io.err, [`Expected --n to be an integer from 2 and up, got \`${bad}\``]);
  }
});

it('multitask primes --n 1_000 - prints the table', async () => {
  const io = capture();
  assert.equal(await run(['primes', '--n', '1_000'], io.write, io.error), 0);
  assert.equal(io.out.length, 11);
  assert.match(io.out[0] ?? '', /below 1,000/);
  // Serial, 4 and 10 threads, 4 and 10 processes, the thread pool and the process pool.
  const rows = io.out.slice(2, 9);
  assert.deepEqual(
    rows.map((line) => line.split(/\s{2,}/)[0]),
    ['serial', 'threads', 'threads', 'processes', 'processes', 'thread pool', 'process pool'],
  );
  assert.ok(rows.every((line) => line.endsWith('76,127')));
});

it('multitask demo nope - an unknown demo is named, exit code 2', async () => {
  const io = capture();
  assert.equal(await run(['demo', 'nope'], io.write, io.error), 2);
  assert.match(
    io.err.join('\n'),
    /^Expected a demo name \(balance, bank, event, gevent, greenlet, local, manager, pool-copy, primes, producer-consumer, subprocess, tickets\), got `nope`/,
  );
});

it('multitask toString / demo constructor - names inherited from Object are not commands', async () => {
  for (const argv of [['toString'], ['constructor'], ['demo', 'hasOwnProperty']]) {
    const io = capture();
    assert.equal(await run(argv, io.write, io.error), 2);
    assert.match(io.err.join('\n'), /^(Unknown command|Expected a demo name)/);
  }
});
