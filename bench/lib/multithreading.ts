/**
 * The `multithreading` package, loaded so that it runs on Node 20: version 0.3.52 reads
 * `navigator.hardwareConcurrency` when its module loads (to size its thread pool), and Node
 * has a global `navigator` only from version 21. Defining the one property it reads, before
 * the import, is the whole workaround; its Mutex does not use it.
 */
import { availableParallelism } from 'node:os';

export async function loadMultithreading(): Promise<typeof import('multithreading')> {
  if (!('navigator' in globalThis)) {
    Object.defineProperty(globalThis, 'navigator', {
      value: { hardwareConcurrency: availableParallelism() },
      configurable: true,
    });
  }
  return import('multithreading');
}
