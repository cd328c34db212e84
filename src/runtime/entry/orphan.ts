/**
 * A child process ends with its parent: no orphans. Shared by every process entry point.
 *
 * Three guards, so that a child ends promptly whatever it is doing when its parent dies, a
 * synchronous wait (`Atomics.wait`, a `*Sync` call) or a busy loop included:
 * - with the native addon, the kernel kills it (`PR_SET_PDEATHSIG`, native/src/process.cc)
 *   at once; the signal follows the thread that forked the child, so this serves children
 *   of a parent's main thread only;
 * - otherwise a watchdog thread polls the parent's pid, outside this process's event loop,
 *   and kills the process once the parent is gone;
 * - and either way the IPC channel's end (`'disconnect'`) ends a child whose event loop is
 *   free, with {@link ORPHANED_EXIT_CODE}.
 */
import { Worker } from 'node:worker_threads';
import { nativeAddon } from '../../memory/native.ts';

/** The exit code of a child whose parent vanished: 128 + SIGHUP, as a shell would report. */
export const ORPHANED_EXIT_CODE = 129;

/** How often the watchdog looks at the parent, in milliseconds. */
export const WATCHDOG_INTERVAL_MS = 100;

/**
 * The watchdog: a thread that blocks on nothing but its own timer, so that it runs while
 * this process's main thread is busy. It needs no module of ours: a CommonJS script.
 */
const WATCHDOG = `
'use strict';
const { workerData } = require('node:worker_threads');
const nap = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL');
  Atomics.wait(nap, 0, 0, workerData.everyMs);
}
`;

function startWatchdog(parent: number): void {
  const watchdog = new Worker(WATCHDOG, {
    eval: true,
    workerData: { parent, everyMs: WATCHDOG_INTERVAL_MS },
    // Not the parent's preloads (a TypeScript loader): the script needs none.
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  // It must not keep the process alive, nor count as one of the program's threads.
  watchdog.unref();
}

/**
 * Ends this process with its parent, named by `parent` (`parentArgument` in exec.ts),
 * including when the parent is already gone.
 */
export function exitWithParent(parent: string | undefined): void {
  process.on('disconnect', () => {
    process.exit(ORPHANED_EXIT_CODE);
  });
  // A parent that died while this process was still loading disconnected before anyone
  // listened: the event is gone, but `connected` says so.
  if (!process.connected) process.exit(ORPHANED_EXIT_CODE);
  const [pidText, forkedBy] = (parent ?? '').split(':');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return;
  let addon = null;
  if (forkedBy === 'main') {
    try {
      addon = nativeAddon();
    } catch {
      // MULTITASK_SHARED_MEMORY=native without the addon: the watchdog serves as well.
    }
  }
  if (addon === null) startWatchdog(pid);
  else if (!addon.dieWithParent(pid)) process.exit(ORPHANED_EXIT_CODE);
}
