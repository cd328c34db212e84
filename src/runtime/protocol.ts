/**
 * What a parent sends a new thread or process, and what it sends back.
 */
import type { ShippedFunction } from '../transport/function-source.ts';
import type { WireError } from '../transport/wire.ts';
import type { InheritedIdentity } from './identity.ts';

/** How the child finds the function to call. */
export type TargetSpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'ref'; readonly module: string; readonly exportName: string }
  | ({ readonly kind: 'source' } & ShippedFunction);

/** A subclass instance whose `run()` the child calls, rebuilt as pickle would rebuild it. */
export interface InstanceSpec {
  readonly module: string;
  readonly className: string;
  /** The instance's own enumerable properties. */
  readonly state: Record<string, unknown>;
}

/** Everything a child needs to run: sent as `workerData` or as the first IPC message. */
export interface RunSpec {
  readonly kind: 'thread' | 'process';
  readonly identity: InheritedIdentity;
  readonly target: TargetSpec;
  readonly args: readonly unknown[];
  readonly instance: InstanceSpec | null;
  /** A thread's owner identity in its process's owner table; `null` for a process. */
  readonly owner: { readonly table: SharedArrayBuffer; readonly id: number } | null;
}

/** Messages from a child to its parent. */
export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'uncaught'; readonly error: WireError }
  /** A thread's last word: it ends now, with this code. */
  | { readonly type: 'exiting'; readonly exitCode: number };

/** Messages from a parent to a child process. */
export type ParentMessage = { readonly type: 'run'; readonly spec: RunSpec };
