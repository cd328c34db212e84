/**
 * The course's gevent programs. Two tasks that sleep 3 s and 4 s, spawned together, finish in
 * about 4 s, not 7: a sleep suspends only its own greenlet. Then a crawler fetches pages from
 * a local HTTP server, one after another and then with a `Pool(size)` of greenlets: "switch
 * on I/O", without monkey-patching, since Node's I/O already yields.
 */
import { performance } from 'node:perf_hooks';
import { joinAll, sleep, spawn } from '../../index.ts';
import { crawlSerially, crawlWithPool, startSlowServer } from './crawler.ts';

/** Options of {@link main}. The defaults are the course's. */
export interface GeventOptions {
  /** @default 3000 */
  readonly eatMs?: number;
  /** @default 4000 */
  readonly playMs?: number;
  /** Pages the crawler fetches. @default 20 */
  readonly pages?: number;
  /** How long the server takes to answer each page. @default 200 */
  readonly pageDelayMs?: number;
  /** The crawler's Pool size. @default 5 */
  readonly poolSize?: number;
}

/** What happened, for whoever checks it. */
export interface GeventReport {
  /** The two tasks' starts and ends, in the order they happened. */
  readonly events: string[];
  readonly serial: { readonly pages: number; readonly peak: number; readonly seconds: number };
  readonly pooled: { readonly pages: number; readonly peak: number; readonly seconds: number };
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

/**
 * The program.
 * @returns The order of the sleeping tasks' events and the crawler's counts and times.
 * @example
 * ```ts
 * await main(console.log);
 * // eat starts, sleeps 3 s ... done in 4.0 s (the sleeps overlap: not 7 s)
 * // crawler, 20 pages of 200 ms: serially 4.1 s, with Pool(5) 0.8 s
 * ```
 */
export async function main(
  write: (line: string) => void,
  options: GeventOptions = {},
): Promise<GeventReport> {
  const { eatMs = 3000, playMs = 4000, pages = 20, pageDelayMs = 200, poolSize = 5 } = options;
  const events: string[] = [];
  const task = async (name: string, ms: number): Promise<void> => {
    events.push(`${name} starts`);
    write(`  ${name} starts, sleeps ${ms / 1000} s`);
    await sleep(ms);
    events.push(`${name} ends`);
    write(`  ${name} ends`);
  };
  write(`gevent: eat sleeps ${eatMs / 1000} s and play ${playMs / 1000} s, spawned together`);
  const start = performance.now();
  await joinAll([spawn(task, 'eat', eatMs), spawn(task, 'play', playMs)]);
  write(
    `  both done in ${seconds(start).toFixed(1)} s: the sleeps overlap (one after the other: ${(eatMs + playMs) / 1000} s)`,
  );

  const server = await startSlowServer(pageDelayMs);
  try {
    const urls = Array.from({ length: pages }, (_, i) => `${server.url}/page/${i + 1}`);
    write(`crawler: ${pages} pages from ${server.url}, each answered after ${pageDelayMs} ms`);
    let begin = performance.now();
    const serialPages = await crawlSerially(urls);
    const serial = { pages: serialPages.length, peak: server.peak(), seconds: seconds(begin) };
    write(`  serially:       ${serial.seconds.toFixed(2)} s (${serial.peak} request at a time)`);
    server.resetPeak();
    begin = performance.now();
    const pooledPages = await crawlWithPool(urls, poolSize);
    const pooled = { pages: pooledPages.length, peak: server.peak(), seconds: seconds(begin) };
    write(
      `  with Pool(${poolSize}):   ${pooled.seconds.toFixed(2)} s (${pooled.peak} requests at a time), ${(serial.seconds / pooled.seconds).toFixed(1)}x faster`,
    );
    if (pooledPages.join() !== serialPages.join())
      throw new Error('the crawls fetched different pages');
    return { events, serial, pooled };
  } finally {
    await server.close();
  }
}
