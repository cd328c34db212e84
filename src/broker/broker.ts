/**
 * The parent's side of the broker: starts the broker thread the first time a shared object
 * is sent to a child process, and registers each such object with it. Also installs the
 * process bridge, so that shared objects can be exported to, and reached from, processes.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startInternalWorker } from '../internal/loader-hooks.ts';
import { removeStaleEntries } from '../internal/stale-files.ts';
import { ownerTable } from '../memory/owners.ts';
import { remoteCore } from './broker-client.ts';
import {
  setProcessBridge,
  sharedKindModule,
  type LocalState,
  type RemoteState,
  type SharedState,
} from '../memory/shared-object.ts';

let broker: { worker: Worker; socketPath: string } | undefined;
let nextId = 0;
/** One id per object: the same lock sent twice is the same object in the broker. */
const exported = new WeakMap<object, RemoteState>();

const STALE_NAME = /^multitask-(\d+)-(?:[0-9a-f]+\.sock|\d+-[0-9a-f]+\.(?:req|rep))$/;

/**
 * Removes the sockets of brokers whose process is gone. A process killed outright (SIGKILL)
 * never runs its exit handler, so its socket file would stay in the temporary directory.
 */
function startBroker(): { worker: Worker; socketPath: string } {
  if (broker !== undefined) return broker;
  // Left by processes that were killed: brokers' sockets and realms' named pipes.
  removeStaleEntries(tmpdir(), STALE_NAME);
  const socketPath = join(
    tmpdir(),
    `multitask-${process.pid}-${Math.random().toString(16).slice(2, 10)}.sock`,
  );
  // The broker opens each child's named pipes with fs and hands them to sockets.
  const worker = startInternalWorker(
    siblingModule(import.meta.url, './entry/broker-thread'),
    { owners: ownerTable().buffer, socketPath },
    [],
    { trackUnmanagedFds: false },
  );
  // The broker serves children while they run; it must not keep this process alive itself.
  worker.unref();
  process.once('exit', () => {
    rmSync(socketPath, { force: true });
  });
  broker = { worker, socketPath };
  return broker;
}

/**
 * @internal Whether this process's broker thread has been started: never, while child
 * processes reach every shared object through arenas (tests check the native path with it).
 */
export function brokerStarted(): boolean {
  return broker !== undefined;
}

function isLocalState(value: unknown): value is LocalState {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    Array.isArray((value as { buffers?: unknown }).buffers)
  );
}

/** Nested states in `meta` (a Condition's lock) become remote states of their own. */
function exportMeta(meta: unknown): unknown {
  if (isLocalState(meta)) return exportState(meta);
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || ArrayBuffer.isView(meta))
    return meta;
  return Object.fromEntries(Object.entries(meta).map(([key, value]) => [key, exportMeta(value)]));
}

/** Registers `state` with this process's broker and returns where children reach it. */
export function exportState(state: SharedState): RemoteState {
  if ('broker' in state) return state;
  const known = exported.get(state);
  if (known !== undefined) return known;
  const { worker, socketPath } = startBroker();
  const id = ++nextId;
  // The broker imports the module that registers the kind, the first time it meets one.
  worker.postMessage({ type: 'register', id, state, module: sharedKindModule(state.kind) });
  const remote: RemoteState = {
    kind: state.kind,
    meta: exportMeta(state.meta),
    broker: socketPath,
    id,
  };
  exported.set(state, remote);
  return remote;
}

setProcessBridge({ export: exportState, remoteCore });
