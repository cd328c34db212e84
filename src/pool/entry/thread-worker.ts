/**
 * Entry point of a thread-pool worker. The bootstrap (internal/loader-hooks.ts) imports it
 * once the parent's loader hooks are registered.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { adoptOwner } from '../../memory/owners.ts';
// Registers every kind of shared object, so that arguments can be rebuilt.
import '../../runtime/kinds.ts';
import { adoptIdentity } from '../../runtime/identity.ts';
import type { ToWorker, WorkerInit } from '../protocol.ts';
import { WorkerLoop } from './worker-loop.ts';

const { init } = workerData as { init: WorkerInit };
const port = init.port;
if (port === null) throw new Error('multitask: a thread-pool worker needs its port');
const answers = init.answers === null ? null : new Int32Array(init.answers);
adoptIdentity(init.identity);
if (init.owner !== null) adoptOwner(init.owner.table, init.owner.id);

const loop = new WorkerLoop(
  {
    post: (message, transfer) => {
      if (transfer === undefined || transfer.length === 0) port.postMessage(message);
      else port.postMessage(message, [...transfer]);
      if (answers !== null) {
        Atomics.add(answers, 0, 1);
        Atomics.notify(answers, 0, 1);
      }
    },
    poll: () => receiveMessageOnPort(port)?.message as ToWorker | undefined,
    exit: (code) => {
      port.close();
      process.exit(code);
    },
  },
  init,
);
port.on('message', (message: ToWorker) => {
  loop.receive(message);
});
await loop.initialize(init);
