/**
 * The parent, as a child's payload sees it: the channel a backend's bootstrap
 * (`entry/thread-main.ts`, `entry/process-main.ts`) hands to the payload module it runs.
 */
import type { Socket } from 'node:net';
import type { Transferable } from 'node:worker_threads';
import type { SpinGate } from '../memory/spin.ts';

/** A child's way to its parent. */
export interface ParentChannel<In, Out> {
  /**
   * Sends a message, moving `transfer` (threads). Throws at once when it cannot be cloned,
   * for a thread and for a process alike.
   */
  post(message: Out, transfer?: readonly Transferable[]): void;
  /**
   * Delivers the parent's messages to `listener`. A process drops messages that come before
   * a listener exists: a payload listens before it says it is ready for more.
   */
  listen(listener: (message: In) => void): void;
  /**
   * Threads only (`null` in a process): waits up to `ms` for the parent's next message,
   * spinning for the first `busyMs` (memory/spin.ts), and returns it without delivering it
   * to the listener; `undefined` when none came or the gate closed.
   */
  readonly awaitMessage:
    ((ms: number, busyMs: number, gate: SpinGate | null) => In | undefined) | null;
  /**
   * Ends the child with `exitCode` once everything posted so far has reached the parent.
   * A thread ends at once, whatever timers or sockets it left behind, as Python's does.
   */
  exit(exitCode: number): void;
}

/**
 * What a payload module exports as `main`: called once, after the identity and owner are
 * taken. `handle` is the socket a process was handed, if any.
 */
export type ChildMain<In = unknown, Out = unknown> = (
  channel: ParentChannel<In, Out>,
  data: unknown,
  handle: Socket | undefined,
) => unknown;
