/** Tasks that the distributed tests' workers serve (as `tasks:<export>`). */
import { reportProgress } from '../../src/index.ts';
import { StateError } from '../../src/errors.ts';
import { isMainThread } from 'node:worker_threads';

export function add(a: number, b: number): number {
  return a + b;
}

export function square(x: number): number {
  return x * x;
}

/** Echoes its argument with the worker's pid, to see which worker ran it. */
export function whereIs(x: number): [number, number] {
  return [x, process.pid];
}

export function fail(message: string): never {
  throw new StateError('ERR_INVALID_STATE', message);
}

/** Sleeps `ms` then returns `value`: a job that stays running for a while. */
export async function slow(value: number, ms: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
}

/** Reports 1..n as progress, then returns n. */
export async function steps(n: number): Promise<number> {
  for (let i = 1; i <= n; i++) await reportProgress({ step: i, of: n });
  return n;
}

/** Fails until the file of `counterPath` reaches `failures`, counting attempts there. */
export async function flaky(counterPath: string, failures: number): Promise<number> {
  const { readFile, writeFile } = await import('node:fs/promises');
  const seen = Number(await readFile(counterPath, 'utf8').catch(() => '0'));
  await writeFile(counterPath, String(seen + 1));
  if (seen < failures) throw new StateError('ERR_INVALID_STATE', `attempt ${seen + 1} fails`);
  return seen + 1;
}

/** Returns bytes and a bigint: values that the network codec carries beside JSON's. */
export function bytes(n: number): { data: Uint8Array; big: bigint } {
  return { data: new Uint8Array(n).fill(7), big: 2n ** 70n };
}

/** As `whereIs`, after `ms`: a job that stays on its worker for a while. */
export async function slowWhere(x: number, ms: number): Promise<[number, number]> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return [x, process.pid];
}

/** Where it runs: on a main thread or not, and in which process. */
export function whereRuns(): { main: boolean; pid: number } {
  return { main: isMainThread, pid: process.pid };
}

/** Keeps its thread busy for `ms`, then says where it ran: a task wrongly declared cheap. */
export function busy(ms: number): { main: boolean; pid: number } {
  const until = performance.now() + ms;
  while (performance.now() < until);
  return whereRuns();
}

/** Returns its argument: for values on the wire. */
export function identity(x: unknown): unknown {
  return x;
}

/** Reports 1..n as progress from its synchronous call (not awaited), then returns n. */
export function syncSteps(n: number): number {
  for (let i = 1; i <= n; i++) void reportProgress({ step: i, of: n });
  return n;
}

/** A plain function that returns `n`, or, when `later`, a promise that reports progress first. */
export function sometimesAsync(n: number, later: boolean): number | Promise<number> {
  if (!later) return n;
  return (async () => {
    await new Promise((resolve) => setImmediate(resolve));
    await reportProgress({ later: n });
    return n;
  })();
}
