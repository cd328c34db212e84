/**
 * Entry point of every Thread's worker. The bootstrap (loader-hooks.ts) imports it once the
 * parent's loader hooks are registered.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChildMessage, RunSpec } from '../../runtime/protocol.ts';
import { Thread } from '../thread.ts';
import { runChild } from './run-child.ts';

const { spec } = workerData as { spec: RunSpec };

const exitCode = await runChild(spec, Thread, (error) => {
  const message: ChildMessage = { type: 'uncaught', error };
  parentPort?.postMessage(message);
  return Promise.resolve();
});
// Python's thread ends when run() returns, whatever timers or sockets it left behind.
// Messages posted before exit() are still delivered.
const exiting: ChildMessage = { type: 'exiting', exitCode };
parentPort?.postMessage(exiting);
process.exit(exitCode);
