/**
 * The parent's side of one pool worker, on a thread or on a process: start it, post to it,
 * hear from it, stop it, and learn how it ended.
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import {
  MessageChannel,
  receiveMessageOnPort,
  type ResourceLimits,
  type Transferable,
  type Worker,
} from 'node:worker_threads';
import { siblingModule, startInternalWorker } from '../internal/loader-hooks.ts';
import { ownerTable } from '../memory/owners.ts';
import { errorFromWire } from '../transport/wire.ts';
import { childExecArgv, exitCodeOf } from '../runtime/exec.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';

export type WorkerKind = 'thread' | 'process';

/** How long `awaitAnswer` spins before it sleeps on the answer counter, in ms. */
const ANSWER_BUSY_MS = 0.01;

/** What a worker tells its pool. */
export interface PoolWorkerEvents {
  message(message: FromWorker): void;
  /**
   * The worker is gone. `exitCode` as Python reports it (negative signal numbers, -15 for a
   * thread the pool terminated); `crash` is the error that ended it, if one did.
   */
  exit(exitCode: number, crash: unknown): void;
}

/** One started worker. */
export interface PoolWorker {
  /** The thread id or the process id. */
  readonly ident: number;
  /** Posts a message; `transfer` moves those objects to a thread (a process copies them). */
  post(message: ToWorker, transfer: readonly Transferable[] | null): void;
  /** Stops the worker at once: `Worker#terminate()` or SIGTERM. */
  kill(): void;
  /** Whether the worker keeps the parent's event loop alive. */
  setActive(active: boolean): void;
  /**
   * Threads only (`null` for a process): waits up to `ms` for the worker's next message,
   * spinning, and hands it to `message` at once; returns whether one came. For an answer
   * expected within microseconds, this saves the wake-up of this thread's event loop.
   */
  readonly awaitAnswer: ((ms: number) => boolean) | null;
}

/** What every worker's init holds, before the backend adds its own parts. */
export type BaseInit = Omit<WorkerInit, 'owner' | 'mailbox' | 'port' | 'answers'>;

export function startPoolWorker(
  kind: WorkerKind,
  init: BaseInit,
  events: PoolWorkerEvents,
  resourceLimits: ResourceLimits | undefined,
): PoolWorker {
  return kind === 'thread' ? startThread(init, events, resourceLimits) : startProcess(init, events);
}

function startThread(
  base: BaseInit,
  events: PoolWorkerEvents,
  resourceLimits: ResourceLimits | undefined,
): PoolWorker {
  const { port1, port2 } = new MessageChannel();
  const mailbox = new Int32Array(new SharedArrayBuffer(4));
  const answers = new Int32Array(new SharedArrayBuffer(4));
  let received = 0;
  const owners = ownerTable();
  const ownerId = owners.allocate();
  const init: WorkerInit = {
    ...base,
    owner: { table: owners.buffer, id: ownerId },
    mailbox: mailbox.buffer,
    answers: answers.buffer,
    port: port2,
  };
  const worker: Worker = startInternalWorker(
    siblingModule(import.meta.url, './entry/thread-worker'),
    { init },
    [port2],
    { resourceLimits },
  );
  let crash: unknown;
  let killed = false;
  port1.on('message', (message: FromWorker) => {
    received++;
    events.message(message);
  });
  worker.on('error', (error) => {
    crash = error;
  });
  worker.on('exit', (code) => {
    // Locks the thread held become abandoned, as for any thread that ends.
    owners.release(ownerId);
    // Results posted before the exit are delivered first: drain the port, then report.
    for (let next = receiveMessageOnPort(port1); next !== undefined;) {
      events.message(next.message as FromWorker);
      next = receiveMessageOnPort(port1);
    }
    port1.close();
    events.exit(killed ? -15 : code, crash);
  });
  return {
    ident: worker.threadId,
    post(message, transfer) {
      if (transfer === null) port1.postMessage(message);
      else port1.postMessage(message, [...transfer]);
      Atomics.add(mailbox, 0, 1);
      Atomics.notify(mailbox, 0, 1);
    },
    kill() {
      killed = true;
      void worker.terminate();
    },
    awaitAnswer(ms) {
      const start = performance.now();
      const until = start + ms;
      for (;;) {
        const seen = Atomics.load(answers, 0);
        if (seen !== received) {
          const next = receiveMessageOnPort(port1);
          if (next !== undefined) {
            received++;
            events.message(next.message as FromWorker);
            return true;
          }
        }
        const now = performance.now();
        if (now >= until) return false;
        // A short busy spin for a worker on another CPU; then sleep on the counter (the
        // worker notifies it), which gives the CPU to a worker that shares this one.
        if (now - start >= ANSWER_BUSY_MS) Atomics.wait(answers, 0, seen, until - now);
      }
    },
    setActive(active) {
      if (active) {
        worker.ref();
        port1.ref();
      } else {
        worker.unref();
        port1.unref();
      }
    },
  };
}

function startProcess(base: BaseInit, events: PoolWorkerEvents): PoolWorker {
  const child = fork(siblingModule(import.meta.url, './entry/process-worker'), [], {
    execArgv: childExecArgv(),
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const init: WorkerInit = {
    ...base,
    owner: null,
    mailbox: null,
    answers: null,
    port: null,
    spin: null,
  };
  let exitCode = 1;
  let crash: unknown;
  let started = true;
  child.on('message', (message: FromWorker) => {
    if (message.type === 'listening') {
      child.send({ type: 'init', init } satisfies ToWorker);
    } else if (message.type === 'crashed') {
      crash = errorFromWire(message.error);
    } else events.message(message);
  });
  child.on('exit', (code, signal) => {
    exitCode = exitCodeOf(code, signal);
  });
  // 'close' comes after 'exit' and after the channel has delivered everything.
  child.on('close', () => {
    events.exit(exitCode, crash);
  });
  child.on('error', (error) => {
    if (child.pid === undefined && started) {
      // The process never started: there will be no 'exit' or 'close'.
      started = false;
      events.exit(1, error);
    }
  });
  return {
    ident: child.pid ?? -1,
    post(message) {
      child.send(message);
    },
    kill() {
      child.kill('SIGTERM');
    },
    awaitAnswer: null,
    setActive(active) {
      if (active) {
        child.ref();
        child.channel?.ref();
      } else {
        child.unref();
        child.channel?.unref();
      }
    },
  };
}
