/**
 * Starting a child on a worker thread: the parent's side of a thread's channel.
 *
 * The child talks over a `MessageChannel` of its own rather than the Worker's implicit
 * port, so that this side can take a message synchronously (`receiveMessageOnPort`) when it
 * expects one within microseconds ({@link Child.awaitMessage}). Each side bumps a signal
 * word after every post (memory/spin.ts), which the other side may spin or sleep on.
 *
 * Spares: a spare thread is started ahead of time, loads its payload, says so and waits; a
 * launch without heap limits takes one and sends it the start record (entry/thread-main.ts).
 * Idle spares keep nothing alive, and end with this process.
 */
import { MessageChannel, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { siblingModule, startInternalWorker } from '../internal/loader-hooks.ts';
import { OWNERS_VARIABLE, ownerTable } from '../memory/owners.ts';
import { ANSWER_BUSY_MS, isClosing, newSignal, signal, spinFor } from '../memory/spin.ts';
import { watchingSleeps } from '../memory/sleep-watch.ts';
import { assertNotBootstrapping } from './bootstrap.ts';
import { realmName } from './identity.ts';
import type { Child, ChildEvents, LaunchOptions, StopHow } from './child.ts';
import { stoppedExitCode } from './exec.ts';
import type { ThreadStart } from './protocol.ts';

const BOOTSTRAP = siblingModule(import.meta.url, './entry/thread-main');

/** A spare thread, and when it has loaded its payload. */
interface SpareThread {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  /** Takes its listeners off, for the launch that takes it. */
  readonly detach: () => void;
}

/** Idle spares by payload URL, oldest first. */
const spares = new Map<string, SpareThread[]>();

function spareList(payload: string): SpareThread[] {
  let list = spares.get(payload);
  if (list === undefined) {
    list = [];
    spares.set(payload, list);
  }
  return list;
}

function startSpare(payload: string, preload: readonly string[]): SpareThread {
  const worker = startInternalWorker(BOOTSTRAP, { spare: payload, preload });
  const list = spareList(payload);
  // A spare that ends before it is taken (its payload failed to load) is dropped, its error
  // with it: no one asked for that thread yet.
  const drop = (): void => {
    const at = list.findIndex((spare) => spare.worker === worker);
    if (at !== -1) list.splice(at, 1);
  };
  const ignore = (): void => undefined;
  worker.once('exit', drop);
  worker.on('error', ignore);
  const ready = new Promise<void>((resolve) => {
    worker.once('message', () => {
      resolve();
    });
    worker.once('exit', () => {
      resolve();
    });
  });
  // Alive until ready, for whoever awaits prestart(); idle after that, it keeps nothing alive.
  void ready.then(() => {
    if (list.includes(spare)) worker.unref();
  });
  const spare: SpareThread = {
    worker,
    ready,
    detach: () => {
      worker.off('exit', drop);
      worker.off('error', ignore);
    },
  };
  return spare;
}

/**
 * Keeps `count` spare threads for `payload` (starts the missing ones, which also import
 * the `preload` modules, and stops the ones over), and resolves once each has loaded its
 * payload.
 */
export async function prestartThreads(
  payload: URL,
  count: number,
  preload: readonly string[] = [],
): Promise<void> {
  if (count > 0) assertNotBootstrapping('thread');
  const list = spareList(payload.href);
  while (list.length > count) void list.pop()?.worker.terminate();
  while (list.length < count) list.push(startSpare(payload.href, preload));
  await Promise.all(list.map((spare) => spare.ready));
}

/**
 * Starts `options.payload` on a new worker thread, or on a spare one.
 *
 * @throws what `new Worker()` throws (bad `resourceLimits`, for one).
 */
export function launchThread<In, Out>(options: LaunchOptions, events: ChildEvents<Out>): Child<In> {
  assertNotBootstrapping('thread');
  const { port1, port2 } = new MessageChannel();
  const toChild = newSignal();
  const toParent = newSignal();
  // A thread shares its process's memory, so it takes an owner id in this process's table;
  // the id dies with the thread, and locks it held become abandoned.
  const owners = ownerTable();
  const ownerId = owners.allocate();
  // Named at once for all-asleep reports: the thread may never load the diagnostics.
  if (watchingSleeps()) owners.setName(ownerId, realmName(options.identity));
  const start: ThreadStart = {
    payload: options.payload.href,
    identity: options.identity,
    data: options.data,
    owner: { table: owners.buffer, id: ownerId, name: process.env[OWNERS_VARIABLE] },
    port: port2,
    toChild: toChild.buffer,
    toParent: toParent.buffer,
  };
  let worker;
  const spare =
    options.resourceLimits === undefined ? spares.get(start.payload)?.shift() : undefined;
  try {
    if (spare === undefined) {
      worker = startInternalWorker(BOOTSTRAP, { start }, [port2], {
        resourceLimits: options.resourceLimits,
      });
    } else {
      spare.detach();
      worker = spare.worker;
      worker.postMessage({ start }, [port2]);
    }
  } catch (error) {
    owners.release(ownerId);
    port1.close();
    throw error;
  }
  /** Messages delivered so far, to compare with the child's signal count. */
  let received = 0;
  let crash: unknown;
  let stopped: StopHow | null = null;
  const deliver = (message: Out): void => {
    received++;
    events.message(message);
  };
  const take = (): { message: unknown } | undefined => receiveMessageOnPort(port1);
  port1.on('message', deliver);
  worker.on('error', (error) => {
    crash = error;
  });
  worker.on('exit', (code) => {
    owners.release(ownerId);
    // The port is not the Worker's own: what the thread posted before it ended may still
    // wait in it. Deliver that first, then report the exit.
    for (let next = take(); next !== undefined; next = take()) deliver(next.message as Out);
    port1.close();
    // Node reports 1 (or 0, before the thread ran) for a terminated worker; Python-style
    // codes say it was stopped, unless the thread had already said it was ending.
    events.exit(stopped !== null && !isClosing(toParent) ? stoppedExitCode(stopped) : code, crash);
  });
  const keepAlive = (on: boolean): void => {
    if (on) {
      worker.ref();
      port1.ref();
    } else {
      worker.unref();
      port1.unref();
    }
  };
  keepAlive(!options.daemon);
  return {
    ident: worker.threadId,
    post(message, transfer) {
      if (transfer == null) port1.postMessage(message);
      else port1.postMessage(message, transfer);
      signal(toChild);
    },
    stop(how) {
      stopped ??= how;
      void worker.terminate();
    },
    keepAlive,
    awaitMessage(ms) {
      const next = spinFor(toParent, received, take, ms, ANSWER_BUSY_MS, null);
      if (next === undefined) return false;
      deliver(next.message as Out);
      return true;
    },
    owner: ownerId,
  };
}
