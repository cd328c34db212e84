/**
 * Bootstrap of every child thread: the loader-hooks bootstrap (internal/loader-hooks.ts)
 * imports it once the parent's hooks are registered. It takes the identity and owner id the
 * parent gave, builds the channel to the parent, then hands over to the payload module.
 *
 * An uncaught error needs no reporting here: it ends the thread and reaches the parent as
 * the Worker's 'error' event.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { adoptOwner } from '../../memory/owners.ts';
import { signal, signalClosing, spinFor } from '../../memory/spin.ts';
import { adoptIdentity } from '../identity.ts';
import type { ChildMain, ParentChannel } from '../parent-channel.ts';
import type { ThreadStart } from '../protocol.ts';

const { start } = workerData as { start: ThreadStart };
// Before any payload or user module loads: their top-level code may ask who it is.
adoptIdentity(start.identity);
adoptOwner(start.owner.table, start.owner.id);

const { port } = start;
const toChild = new Int32Array(start.toChild);
const toParent = new Int32Array(start.toParent);
/** Messages received so far, to compare with the parent's signal count. */
let received = 0;
const take = (): { message: unknown } | undefined => receiveMessageOnPort(port);

const channel: ParentChannel<unknown, unknown> = {
  post(message, transfer) {
    if (transfer === undefined || transfer.length === 0) port.postMessage(message);
    else port.postMessage(message, transfer);
    signal(toParent);
  },
  listen(listener) {
    port.on('message', (message) => {
      received++;
      listener(message);
    });
  },
  awaitMessage(ms, busyMs, gate) {
    const next = spinFor(toChild, received, take, ms, busyMs, gate);
    if (next === undefined) return undefined;
    received++;
    return next.message;
  },
  exit(exitCode) {
    // Said before the end, so that a terminate() racing with it still reports this code.
    // Messages posted on the port stay in it for the parent, which drains it at 'exit'.
    signalClosing(toParent);
    port.close();
    process.exit(exitCode);
  },
};

const { main } = (await import(start.payload)) as { main: ChildMain };
await main(channel, start.data, undefined);
