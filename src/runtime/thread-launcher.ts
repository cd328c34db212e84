/**
 * Starting a child on a worker thread: the parent's side of a thread's channel.
 *
 * The child talks over a `MessageChannel` of its own rather than the Worker's implicit
 * port, so that this side can take a message synchronously (`receiveMessageOnPort`) when it
 * expects one within microseconds ({@link Child.awaitMessage}). Each side bumps a signal
 * word after every post (memory/spin.ts), which the other side may spin or sleep on.
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { siblingModule, startInternalWorker } from '../internal/loader-hooks.ts';
import { ownerTable } from '../memory/owners.ts';
import { ANSWER_BUSY_MS, isClosing, newSignal, signal, spinFor } from '../memory/spin.ts';
import type { Child, ChildEvents, LaunchOptions, StopHow } from './child.ts';
import { stoppedExitCode } from './exec.ts';
import type { ThreadStart } from './protocol.ts';

const BOOTSTRAP = siblingModule(import.meta.url, './entry/thread-main');

/**
 * Starts `options.payload` on a new worker thread.
 *
 * @throws what `new Worker()` throws (bad `resourceLimits`, for one).
 */
export function launchThread<In, Out>(options: LaunchOptions, events: ChildEvents<Out>): Child<In> {
  const { port1, port2 } = new MessageChannel();
  const toChild = newSignal();
  const toParent = newSignal();
  // A thread shares its process's memory, so it takes an owner id in this process's table;
  // the id dies with the thread, and locks it held become abandoned.
  const owners = ownerTable();
  const ownerId = owners.allocate();
  const start: ThreadStart = {
    payload: options.payload.href,
    identity: options.identity,
    data: options.data,
    owner: { table: owners.buffer, id: ownerId },
    port: port2,
    toChild: toChild.buffer,
    toParent: toParent.buffer,
  };
  let worker;
  try {
    worker = startInternalWorker(BOOTSTRAP, { start }, [port2], {
      resourceLimits: options.resourceLimits,
    });
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
  if (options.daemon) keepAlive(false);
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
  };
}
