/**
 * Python's module-level introspection: `threading.current_thread()`, `main_thread()`,
 * `enumerate()`, `active_count()`, and `multiprocessing.current_process()`,
 * `parent_process()`, `active_children()`, plus `os.getpid()`, `os.getppid()`,
 * `os.cpu_count()`.
 *
 * Each thread here is its own JavaScript realm, so `enumerate()` lists the threads this
 * realm can see: the main thread, the current one, and the live threads it started.
 */
import { availableParallelism } from 'node:os';
import { liveChildren } from './children.ts';
import {
  currentProcessIdentity,
  currentThreadId,
  currentThreadIdentity,
  isProcessMainThread,
} from '../runtime/identity.ts';
import { Process } from './process.ts';
import { Thread } from './thread.ts';

/** A thread as the introspection functions describe it; `Thread` objects fit it too. */
export interface ThreadInfo {
  readonly name: string;
  readonly daemon: boolean;
  /** The worker_threads id; 0 for a process's main thread. */
  readonly threadId: number | null;
  isAlive(): boolean;
}

/** A process as the introspection functions describe it; `Process` objects fit it too. */
export interface ProcessInfo {
  readonly name: string;
  readonly daemon: boolean;
  readonly pid: number | null;
  isAlive(): boolean;
}

const mainThreadInfo: ThreadInfo = Object.freeze({
  name: 'MainThread',
  daemon: false,
  threadId: 0,
  isAlive: () => true,
});

/** The main thread of this process. Python's `threading.main_thread()`. */
export function mainThread(): ThreadInfo {
  return mainThreadInfo;
}

/** The thread running this code. Python's `threading.current_thread()`. */
export function currentThread(): ThreadInfo {
  if (isProcessMainThread()) return mainThreadInfo;
  const { name, daemon } = currentThreadIdentity();
  return Object.freeze({ name, daemon, threadId: currentThreadId(), isAlive: () => true });
}

/**
 * The live threads this thread knows: the main thread, the current thread, and the
 * threads it started that have not ended. Python's `threading.enumerate()`.
 */
export function enumerate(): ThreadInfo[] {
  const current = currentThread();
  const started = liveChildren().filter((child): child is Thread => child instanceof Thread);
  return current === mainThreadInfo ? [current, ...started] : [mainThreadInfo, current, ...started];
}

/** `enumerate().length`. Python's `threading.active_count()`. */
export function activeCount(): number {
  return enumerate().length;
}

/** The process running this code. Python's `multiprocessing.current_process()`. */
export function currentProcess(): ProcessInfo {
  const { name, daemon } = currentProcessIdentity();
  return Object.freeze({ name, daemon, pid: process.pid, isAlive: () => true });
}

/** The parent of this process, or `null` in the main process. */
export function parentProcess(): ProcessInfo | null {
  const parent = currentProcessIdentity().parent;
  if (parent === null) return null;
  return Object.freeze({
    name: parent.name,
    daemon: false,
    pid: parent.pid,
    isAlive: () => isRunning(parent.pid),
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live child processes started from this thread. Python's `active_children()`. */
export function activeChildren(): Process[] {
  return liveChildren().filter((child): child is Process => child instanceof Process);
}

/** This process's id. Python's `os.getpid()`. */
export function getpid(): number {
  return process.pid;
}

/** The parent process's id. Python's `os.getppid()`. */
export function getppid(): number {
  return process.ppid;
}

/**
 * How many CPUs this process may use (`os.availableParallelism()`). Python's
 * `os.cpu_count()`; speedups from threads and processes are bounded by it.
 */
export function cpuCount(): number {
  return availableParallelism();
}
