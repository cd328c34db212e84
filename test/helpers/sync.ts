/**
 * Helpers for the synchronization tests: exact error assertions, worker bookkeeping, and
 * waiting on shared state without sleeping.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Process, Thread } from '../../src/index.ts';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Asserts that `error` is an instance of `Class` with exactly this `code` (`null`: none) and
 * `message`.
 */
export function assertError(
  error: unknown,
  Class: ErrorClass,
  code: string | null,
  message: string,
): asserts error is Error {
  assert.ok(error instanceof Class, `expected a ${Class.name}, got ${String(error)}`);
  assert.equal((error as { code?: unknown }).code ?? null, code);
  assert.equal(error.message, message);
}

export function throwsError(
  fn: () => unknown,
  Class: ErrorClass,
  code: string | null,
  message: string,
): void {
  assert.throws(fn, (error: unknown) => {
    assertError(error, Class, code, message);
    return true;
  });
}

export async function rejectsError(
  promise: Promise<unknown>,
  Class: ErrorClass,
  code: string | null,
  message: string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assertError(error, Class, code, message);
    return true;
  });
}

/** What a worker task reports for an error (see `errorInfo` in the fixtures). */
export function errorInfo(Class: ErrorClass, code: string | null, message: string): unknown {
  return { class: Class.name, code, message };
}

/** The argument errors' one form. */
export function expected(name: string, what: string, got: string): string {
  return `Expected \`${name}\` to be ${what}, got ${got}`;
}

/**
 * Starts workers and makes sure none outlives the test file: whatever is still alive at the
 * end is killed and joined.
 */
export function workerPool(): {
  start<W extends Thread | Process>(worker: W): W;
  /** Starts `worker`, waits for it to end, and asserts that it ended normally. */
  run(worker: Thread | Process): Promise<void>;
} {
  const started: (Thread | Process)[] = [];
  after(async () => {
    for (const worker of started) {
      if (worker.isAlive()) worker.kill();
      await worker.join();
    }
  });
  const start = <W extends Thread | Process>(worker: W): W => {
    started.push(worker);
    worker.start();
    return worker;
  };
  return {
    start,
    async run(worker) {
      start(worker);
      await worker.join();
      assert.equal(worker.exitCode, 0, `${worker.name} ended with exit code ${worker.exitCode}`);
    },
  };
}

/** Joins every worker and asserts that each ended normally. */
export async function joinAll(workers: readonly (Thread | Process)[]): Promise<void> {
  for (const worker of workers) {
    await worker.join();
    assert.equal(worker.exitCode, 0, `${worker.name} ended with exit code ${worker.exitCode}`);
  }
}

/**
 * Waits until `predicate()` holds, checking shared state every few milliseconds; fails after
 * 20 s. For state that has no wait of its own (`barrier.nWaiting`).
 */
export async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (!predicate()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await delay(5);
  }
}

/**
 * Whether `promise` settles within `ms`: a short, explicit window for tests that must show
 * that something does not happen.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, delay(ms, false)]);
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

/** The lines of a log file, sorted within each group that may come in any order. */
export function readLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean);
}
