/**
 * What a parent tells a new thread or process, and what the two say to each other besides
 * the payload's own messages: the runtime's start record and control messages, then the
 * run spec of a Thread's or Process's target.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ShippedFunction } from '../transport/function-source.ts';
import type { WireError } from '../transport/wire.ts';
import type { InheritedIdentity } from './identity.ts';

/**
 * Everything a child's bootstrap needs before it hands over to its payload: `workerData` of
 * a thread, the spec file (or the start message) of a process.
 */
export interface ChildStart {
  /** The `file:` URL of the payload module, which exports `main` (see `ChildMain`). */
  readonly payload: string;
  readonly identity: InheritedIdentity;
  /** What the payload starts from, its own business. */
  readonly data: unknown;
  /**
   * With all-asleep detection on, an owner id the parent took for the process while it
   * starts (a member that never sleeps), which the process lets go once it has its own.
   */
  readonly standIn?: number;
}

/** What a thread's bootstrap receives besides {@link ChildStart}. */
export interface ThreadStart extends ChildStart {
  /** The thread's owner id in its process's owner table: it dies with the thread. */
  readonly owner: {
    readonly table: SharedArrayBuffer;
    readonly id: number;
    /** The parent's `OWNERS_VARIABLE` (memory/owner-handoff.ts), if set. */
    readonly name: string | undefined;
  };
  /** The thread's end of its channel (transferred). */
  readonly port: MessagePort;
  /** Signal words (memory/spin.ts): bumped by the parent after each post to the thread. */
  readonly toChild: SharedArrayBuffer;
  /** Bumped by the thread after each post to the parent; says when it ends on its own. */
  readonly toParent: SharedArrayBuffer;
}

/**
 * The runtime's own messages on a process's IPC channel, beside the payload's. Their types
 * carry a `runtime.` prefix so that no payload message is taken for one.
 */
export type RuntimeMessage =
  /** Child to parent: it listens now; send {@link RuntimeMessage} `runtime.start`. */
  | { readonly type: 'runtime.ready' }
  /** Parent to child, when a handle must ride along (a spec file cannot carry one). */
  | { readonly type: 'runtime.start'; readonly start: ChildStart }
  /** Child to parent: an error outside the payload's care ends the child; it exits next. */
  | { readonly type: 'runtime.crashed'; readonly error: WireError }
  /** Child to parent: its last word; everything before it has been written. */
  | { readonly type: 'runtime.exiting' };

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

/** What a Thread's or Process's child runs: the payload data of `threading/entry/run-target`. */
export interface RunSpec {
  readonly kind: 'thread' | 'process';
  readonly target: TargetSpec;
  readonly args: readonly unknown[];
  readonly instance: InstanceSpec | null;
  /**
   * The modules that register the kinds of shared object in `args` and `instance`
   * (kind-modules.ts): the child imports them, and no other kind, before rebuilding those.
   */
  readonly kindModules: readonly string[];
  /**
   * Whether `args` or `instance` hold shared-object envelopes to rebuild (always, with an
   * instance): a child that receives none loads no shared-object code.
   */
  readonly shared: boolean;
}

/** What a Thread's or Process's child tells its parent. */
export type ChildMessage = { readonly type: 'uncaught'; readonly error: WireError };
