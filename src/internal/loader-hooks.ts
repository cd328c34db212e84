/**
 * Module loader hooks for worker threads.
 *
 * Node 20 does not apply the hooks that `--import` registers (tsx's TypeScript loader, for
 * one) to worker threads, although child processes inherit them through `execArgv`. A
 * worker started from TypeScript could then load neither our own `.ts` entry point nor the
 * user's `.ts` task modules. So every thread starts from a tiny JavaScript bootstrap that
 * registers the parent's known hooks first and only then imports the real entry point.
 */
import { readFileSync } from 'node:fs';
import { StateError } from '../errors.ts';
import { Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

let cached: readonly string[] | undefined;

interface TsxManifest {
  exports: Record<string, { import?: { default?: string } } | string | undefined>;
}

/** The ESM build of tsx's registration API, found through tsx's own exports map. */
function tsxEsmApi(manifestPath: string): string {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as TsxManifest;
  const entry = manifest.exports['./esm/api'];
  const relative = typeof entry === 'object' ? entry.import?.default : undefined;
  if (relative === undefined) throw new StateError('ERR_INTERNAL', 'tsx has no ./esm/api export');
  return pathToFileURL(join(dirname(manifestPath), relative)).href;
}

/** The preload options (`--import X`, `--loader X`) found in `process.execArgv`. */
function preloadSpecifiers(): string[] {
  const found: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--(?:import|loader|experimental-loader)(?:=(.*))?$/.exec(arg);
    if (match === null) continue;
    const value = match[1] ?? argv[++i];
    if (value !== undefined) found.push(value);
  }
  return found;
}

/**
 * URLs of modules whose default-less `register()` export a new worker thread must call
 * before importing anything else. Today this knows tsx; other loaders are not re-registered.
 */
export function workerHookModules(): readonly string[] {
  if (cached !== undefined) return cached;
  const hooks: string[] = [];
  if (preloadSpecifiers().some((specifier) => /(^|[\\/])tsx([\\/@]|$)/.test(specifier))) {
    // Resolve tsx's registration API from the working directory first (the user's tsx),
    // then from this package (ours).
    for (const base of [pathToFileURL(`${process.cwd()}/`).href, import.meta.url]) {
      try {
        hooks.push(tsxEsmApi(createRequire(base).resolve('tsx/package.json')));
        break;
      } catch {
        // Not resolvable from here: try the next base.
      }
    }
  }
  cached = hooks;
  return hooks;
}

/**
 * The bootstrap every worker thread runs (as an eval'd CommonJS script): register hooks,
 * then import the entry point named in `workerData`.
 */
const THREAD_BOOTSTRAP = `
'use strict';
const { workerData } = require('node:worker_threads');
(async () => {
  for (const hook of workerData.hooks) {
    const api = await import(hook);
    api.register();
  }
  await import(workerData.entry);
})().catch((error) => {
  // Surfaces as the Worker's 'error' event in the parent.
  setImmediate(() => { throw error; });
});
`;

/**
 * The URL of a module next to `base` (an `import.meta.url`), with `base`'s extension: `.ts`
 * when the library runs from source through tsx, `.js` from `dist/`.
 */
export function siblingModule(base: string, relative: string): URL {
  const extension = base.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`${relative}.${extension}`, base);
}

/** Options of {@link startInternalWorker} beyond its data. */
export interface InternalWorkerOptions {
  readonly resourceLimits?: ResourceLimits | undefined;
  /**
   * Node's bookkeeping of the file descriptors a thread opens with `fs.open`. A thread that
   * hands such descriptors to sockets (which close them without telling the bookkeeping)
   * turns it off, or every reuse of a number warns "opened in unmanaged mode twice".
   * @default true
   */
  readonly trackUnmanagedFds?: boolean | undefined;
}

/** Starts a worker thread running the module `entry`, with the parent's loader hooks. */
export function startInternalWorker(
  entry: URL,
  data: Record<string, unknown>,
  transferList: readonly Transferable[] = [],
  options: InternalWorkerOptions = {},
): Worker {
  const hooks = workerHookModules();
  // Without hooks to register, the thread starts from the entry point itself: an eval'd
  // bootstrap costs a thread's start the script machinery it loads (a millisecond or more).
  const direct = hooks.length === 0;
  return new Worker(direct ? entry : THREAD_BOOTSTRAP, {
    eval: !direct,
    workerData: direct ? data : { ...data, hooks, entry: entry.href },
    transferList: [...transferList],
    ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    ...(options.trackUnmanagedFds === undefined
      ? {}
      : { trackUnmanagedFds: options.trackUnmanagedFds }),
  });
}
