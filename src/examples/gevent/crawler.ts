/**
 * The gevent demo's crawler: a local HTTP server whose pages each take a while to answer,
 * fetched one after another, then by a gevent `Pool(size)` of greenlets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gevent } from '../../index.ts';

/** A local server whose every page answers after `delayMs`, counting requests in flight. */
export interface SlowServer {
  readonly url: string;
  /** The most requests it served at the same time since the last `resetPeak()`. */
  peak(): number;
  resetPeak(): void;
  close(): Promise<void>;
}

/** Starts a {@link SlowServer} on 127.0.0.1, on a free port. */
export async function startSlowServer(delayMs: number): Promise<SlowServer> {
  let inFlight = 0;
  let peak = 0;
  const server: Server = createServer((request, response) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight -= 1;
      response.end(`page ${request.url ?? ''}`);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    peak: () => peak,
    resetPeak: () => {
      peak = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
}

/** Fetches one page; `await fetch` lets the other greenlets run meanwhile. */
export async function fetchPage(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}

/** Fetches `urls` one after another. */
export async function crawlSerially(urls: readonly string[]): Promise<string[]> {
  const pages: string[] = [];
  for (const url of urls) pages.push(await fetchPage(url));
  return pages;
}

/** Fetches `urls` with a gevent `Pool(size)`: at most `size` at once, results in order. */
export function crawlWithPool(urls: readonly string[], size: number): Promise<string[]> {
  return new gevent.Pool(size).map(fetchPage, urls);
}
