/**
 * The HTTP server's dynamic pages, rendered on the pool's threads (see `dynamic.ts`). Each
 * task returns the finished page and the name of the thread that rendered it, so that a
 * page shows where it was made.
 */
import { currentThread, getpid } from '../../index.ts';
import { sumPrimes } from '../primes/primes.ts';
import { escapeHtml } from './response.ts';

/** A page rendered by a worker thread. */
export interface RenderedPage {
  readonly html: string;
  /** `currentThread().name` of the thread that rendered it. */
  readonly thread: string;
}

function page(title: string, body: readonly string[]): RenderedPage {
  const thread = currentThread().name;
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    ...body,
    `<p>Rendered by thread <code>${escapeHtml(thread)}</code>.</p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { html, thread };
}

/** `/dyn/primes?n=N`: the sum of the primes below `n`, by trial division (CPU-bound). */
export function renderPrimes(n: number): RenderedPage {
  const sum = sumPrimes(0, n);
  return page(`Primes below ${n}`, [
    `<p>The sum of the primes below ${n} is <output>${sum}</output>.</p>`,
  ]);
}

/** `/dyn/info`: which thread of which process rendered the page. */
export function renderInfo(): RenderedPage {
  const { name, threadId } = currentThread();
  return page('Worker info', [
    '<dl>',
    `<dt>Thread</dt><dd>${escapeHtml(name)} (threadId ${threadId})</dd>`,
    `<dt>Process</dt><dd>${getpid()}</dd>`,
    '</dl>',
  ]);
}
