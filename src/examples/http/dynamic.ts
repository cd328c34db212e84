/**
 * The HTTP server's worker-pool mode: the pages under `/dyn/` are rendered by the tasks of
 * `tasks.ts` on a {@link ThreadPool}, so that a CPU-bound page (the sum of the primes below
 * a million) runs on another thread while the event loop goes on serving files to every
 * other client. The server loads this module only when started with workers.
 *
 * | Path                  | Page                                                   |
 * | --------------------- | ------------------------------------------------------ |
 * | `/dyn/primes?n=N`     | the sum of the primes below N (2 ≤ N ≤ 100,000,000)    |
 * | `/dyn/info`           | the name and id of the thread that rendered the page   |
 */
import { taskModule, ThreadPool } from '../../index.ts';
import { errorReply, type Reply } from './response.ts';
import type { DynamicPages } from './exchange.ts';
import type { HttpRequest } from './request.ts';
import type { RenderedPage } from './tasks.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** The largest `n` of `/dyn/primes`: larger ones take minutes by trial division. */
export const MAX_PRIMES_N = 100_000_000;

function pageReply(page: RenderedPage): Reply {
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      // The page is made per request: no cache may answer for it.
      'Cache-Control': 'no-store',
      'X-Rendered-By': page.thread,
    },
    body: page.html,
  };
}

/**
 * Starts a pool of `workers` threads and returns the handler of `/dyn/` requests. At most
 * `workers + maxQueued` pages are rendered or waiting at once; a request beyond is answered
 * 503 at once (with `Retry-After`), so a burst cannot queue work without bound. A request
 * whose `signal` aborts (its client went away) is cancelled: dropped from the queue, or its
 * thread stopped (and replaced) if it is running.
 * @example
 * ```ts
 * const pages = startDynamicPages(2, 8);
 * const reply = await pages.handle(request); // request.path === '/dyn/info'
 * await pages.close();
 * ```
 */
export function startDynamicPages(workers: number, maxQueued: number): DynamicPages {
  const pool = new ThreadPool({ processes: workers });
  let pending = 0;
  const render = async (run: () => Promise<RenderedPage>): Promise<Reply> => {
    if (pending >= workers + maxQueued) {
      return errorReply(503, `${pending} pages are being rendered or waiting`, {
        'Retry-After': '1',
      });
    }
    pending++;
    try {
      return pageReply(await run());
    } finally {
      pending--;
    }
  };
  return {
    async handle(request: HttpRequest, signal: AbortSignal): Promise<Reply> {
      const query = new URLSearchParams(request.query);
      switch (request.path) {
        case '/dyn/primes': {
          const text = query.get('n') ?? '';
          const n = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
          if (!(n >= 2 && n <= MAX_PRIMES_N)) {
            return errorReply(
              400,
              `expected n to be an integer from 2 to ${MAX_PRIMES_N}, got \`${text}\``,
            );
          }
          return render(() => pool.apply(tasks.renderPrimes, [n], { signal }));
        }
        case '/dyn/info':
          return render(() => pool.apply(tasks.renderInfo, [], { signal }));
        default:
          return errorReply(404);
      }
    },
    async close(): Promise<void> {
      await pool.terminate();
    },
  };
}
