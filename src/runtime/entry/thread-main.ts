/**
 * Bootstrap of every child thread: the loader-hooks bootstrap (internal/loader-hooks.ts)
 * imports it once the parent's hooks are registered. It takes the identity and owner id the
 * parent gave, builds the channel to the parent, then hands over to the payload module.
 *
 * A spare (thread-launcher.ts) loads its payload first, says so on the Worker's own port,
 * and waits there for its start record.
 *
 * An uncaught error needs no reporting here: it ends the thread and reaches the parent as
 * the Worker's 'error' event.
 */
import { once } from 'node:events';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { handOwner } from '../../memory/owner-handoff.ts';
import { signal, signalClosing, spinFor } from '../../memory/spin.ts';
import { adoptIdentity } from '../identity.ts';
import type { ChildMain, ParentChannel } from '../parent-channel.ts';
import type { ThreadStart } from '../protocol.ts';

/**
 * Imports a spare's preload modules. One that fails is left for the target to import (and
 * report) again.
 */
async function preloadModules(modules: readonly string[]): Promise<void> {
  await Promise.all(modules.map((module) => import(module).catch(() => undefined)));
}

/** The start record: in `workerData`, or for a spare, the first message once it is ready. */
async function startRecord(): Promise<ThreadStart> {
  const data = workerData as { start: ThreadStart } | { spare: string; preload: string[] };
  if ('start' in data) return data.start;
  await import(data.spare);
  await preloadModules(data.preload);
  const port = parentPort;
  if (port === null) {
    const { StateError } = await import('../../errors.ts');
    throw new StateError('ERR_INTERNAL', 'multitask: a worker thread has no parent port');
  }
  const received = once(port, 'message');
  port.postMessage('ready');
  const [message] = (await received) as [{ start: ThreadStart }];
  return message.start;
}

const start = await startRecord();
// Before any payload or user module loads: their top-level code may ask who it is.
adoptIdentity(start.identity);
handOwner(start.owner.table, start.owner.id, start.owner.name);

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
