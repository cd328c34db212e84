/**
 * Who is running this code: which process (by Python's naming, `MainProcess` or
 * `Process-1:2`), which thread, and whether each is a daemon. Every realm (the main thread,
 * each worker thread, each child process) has one identity, set by its entry point before
 * any user code runs.
 */
import { pathToFileURL } from 'node:url';
import { isMainThread, threadId } from 'node:worker_threads';
import { realmState } from '../internal/realm-state.ts';

/**
 * Counters shared by every thread of one process, so that names stay unique process-wide
 * as Python's do. Layout (Int32 slots):
 *
 * ```
 * [0] THREAD_COUNTER   last N handed out for a default "Thread-N" name
 * [1] PROCESS_COUNTER  last N handed out for a child "Process-…:N" identity
 * ```
 */
const THREAD_COUNTER = 0;
const PROCESS_COUNTER = 1;
const COUNTER_SLOTS = 2;

/** Describes the process a realm belongs to. */
export interface ProcessIdentity {
  /** `MainProcess`, or `Process-1`, `Process-1:2` for a child of `Process-1`, ... */
  readonly name: string;
  /** The child-process path from the main process: `[]`, `[1]`, `[1, 2]`. */
  readonly path: readonly number[];
  readonly daemon: boolean;
  /** The parent process's name and pid; `null` in the main process. */
  readonly parent: { readonly name: string; readonly pid: number } | null;
  /**
   * The `file:` URL of the program's main module (the main process's `process.argv[1]`),
   * inherited by every child; `null` when there is none (a REPL, `node -e`).
   */
  readonly main?: string | null;
}

/** Describes the thread a realm runs on. */
export interface ThreadIdentity {
  readonly name: string;
  readonly daemon: boolean;
}

/** What a new realm inherits from the one that starts it. */
export interface InheritedIdentity {
  readonly process: ProcessIdentity;
  readonly thread: ThreadIdentity;
  /** The process-wide counters; absent when the realm is a new process. */
  readonly counters: SharedArrayBuffer | null;
}

const mainProcess: ProcessIdentity = {
  name: 'MainProcess',
  path: [],
  daemon: false,
  parent: null,
  main: process.argv[1] === undefined ? null : pathToFileURL(process.argv[1]).href,
};
const mainThreadIdentity: ThreadIdentity = { name: 'MainThread', daemon: false };

/** This realm's identity and the process-wide counters (shared by bundled copies). */
const realm = realmState('identity', () => ({
  process: mainProcess,
  thread: mainThreadIdentity,
  counters: new Int32Array(new SharedArrayBuffer(COUNTER_SLOTS * Int32Array.BYTES_PER_ELEMENT)),
}));

/** Called once by a worker or child entry point, before user code runs. */
export function adoptIdentity(inherited: InheritedIdentity): void {
  realm.process = inherited.process;
  realm.thread = inherited.thread;
  if (inherited.counters !== null) realm.counters = new Int32Array(inherited.counters);
}

export function currentProcessIdentity(): ProcessIdentity {
  return realm.process;
}

export function currentThreadIdentity(): ThreadIdentity {
  return realm.thread;
}

/** A realm's name in diagnostics' reports: `process/thread (pid n)`, this realm's by default. */
export function realmName(identity: InheritedIdentity = currentIdentity()): string {
  return `${identity.process.name}/${identity.thread.name} (pid ${process.pid})`;
}

function currentIdentity(): InheritedIdentity {
  return { process: realm.process, thread: realm.thread, counters: null };
}

/** True on the main thread of its process (the main process or a child process). */
export function isProcessMainThread(): boolean {
  return isMainThread;
}

/** The worker_threads id of this realm (0 on a process's main thread). */
export function currentThreadId(): number {
  return threadId;
}

export function nextThreadNumber(): number {
  return Atomics.add(realm.counters, THREAD_COUNTER, 1) + 1;
}

export function nextProcessNumber(): number {
  return Atomics.add(realm.counters, PROCESS_COUNTER, 1) + 1;
}

export function sharedCounters(): SharedArrayBuffer {
  return realm.counters.buffer;
}

/**
 * The identity of a new thread of this process named `name`: it shares the process's
 * identity and counters.
 */
export function threadChildIdentity(name: string, daemon: boolean): InheritedIdentity {
  return {
    process: realm.process,
    thread: { name, daemon },
    counters: realm.counters.buffer,
  };
}

/**
 * The path of a new child process: this process's path and the next number. Python numbers
 * a child when it is created: `Process-1`, and `Process-1:1` for that one's first child.
 */
export function nextChildProcessPath(): readonly number[] {
  return [...realm.process.path, nextProcessNumber()];
}

/** The identity of a new child process of this one, named `name`, at `path`. */
export function processChildIdentity(
  name: string,
  path: readonly number[],
  daemon: boolean,
): InheritedIdentity {
  return {
    process: {
      name,
      path,
      daemon,
      parent: { name: realm.process.name, pid: process.pid },
      main: realm.process.main ?? null,
    },
    thread: mainThreadIdentity,
    counters: null,
  };
}
