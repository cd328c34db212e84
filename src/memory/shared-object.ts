/**
 * Objects that live in shared memory (locks, events, queues, values) and cross to threads
 * and processes by reference rather than by copy.
 *
 * Every such object is a thin public class over a *core*: the object's operations, either
 * performed directly on the shared memory (a local core) or forwarded to the broker that
 * holds the memory (a remote core, in child processes, which cannot map that memory).
 *
 * Before a worker starts, its arguments are walked and every shared object is replaced by an
 * envelope: for a thread, the envelope carries the SharedArrayBuffers themselves (structured
 * clone shares them, it does not copy them); for a child process, the address of the broker
 * that serves the object and the object's id there. The receiving realm rebuilds each
 * envelope into an object of the same class over a core of its own.
 *
 * Why this file is long: registration, envelopes and the walks that make and rebuild them
 * (including the external kinds' module import) are one protocol, read together.
 */
import { MultitaskError } from '../errors.ts';
import { kAttach } from '../internal/symbols.ts';
import { methodList, type KindProtocol, type MethodTable } from './core-methods.ts';
import { currentOwnerId, ownerTable, type OwnerTable } from './owners.ts';
import type { Destination } from '../transport/cloneable.ts';
import { fromArenaState, isArenaState, toArenaState, type ArenaState } from './arena-state.ts';

/** Memory an object lives in, in this process. */
export interface LocalState {
  readonly kind: string;
  readonly buffers: readonly SharedArrayBuffer[];
  /** Constructor options that are not memory (a typecode, a barrier's party count). */
  readonly meta: unknown;
}

/** Where a child process reaches an object: a broker's socket path and the object's id. */
export interface RemoteState {
  readonly kind: string;
  readonly meta: unknown;
  readonly broker: string;
  readonly id: number;
}

/**
 * A local state on its way to a child process that maps the same arenas (arena-state.ts).
 * Only envelopes carry it: attaching makes it a {@link LocalState} again.
 */
export type { ArenaState } from './arena-state.ts';

export type SharedState = LocalState | RemoteState | ArenaState;

export function isRemoteState(state: SharedState): state is RemoteState {
  return 'broker' in state;
}

/**
 * Buffer `index` of a state being rebuilt into a local core. Every kind asks through this, so
 * that a state that lost its memory on the way (a library bug, or a hand-made envelope) fails
 * the same way everywhere, rather than one kind working on private memory nobody shares.
 * @throws {MultitaskError} `ERR_INTERNAL` when the buffer is missing.
 */
export function stateBuffer(state: LocalState, index = 0): SharedArrayBuffer {
  const buffer = state.buffers[index];
  if (buffer === undefined) throw missingBuffers(state, index + 1);
  return buffer;
}

/**
 * The `count` buffers of a state being rebuilt into a local core, as {@link stateBuffer}.
 * @throws {MultitaskError} `ERR_INTERNAL` when the state has fewer (or more).
 */
export function stateBuffers(state: LocalState, count: number): readonly SharedArrayBuffer[] {
  if (state.buffers.length !== count) throw missingBuffers(state, count);
  return state.buffers;
}

function missingBuffers(state: LocalState, expected: number): MultitaskError {
  return new MultitaskError(
    'ERR_INTERNAL',
    `multitask: a ${state.kind} needs ${expected} shared buffer${expected === 1 ? '' : 's'}, its state has ${state.buffers.length}`,
  );
}

/** The envelope that replaces a shared object in a worker's arguments. */
export interface Envelope {
  readonly [ENVELOPE_KEY]: SharedState;
  readonly [ENVELOPE_MODULE_KEY]?: string;
}

/** A plain string key: structured clone drops symbol keys. */
export const ENVELOPE_KEY = '__multitask_shared__';

export const kSharedState: unique symbol = Symbol('multitask.sharedState');

/** Implemented by every class whose instances live in shared memory. */
export interface Shareable {
  /** @internal The memory (or broker address) and options of this object. */
  [kSharedState](): SharedState;
}

export function isShareable(value: unknown): value is Shareable {
  return typeof value === 'object' && value !== null && kSharedState in value;
}

/**
 * The argument that makes a shared class's constructor rebuild an object instead of making a
 * new one: `new Lock({ [kAttach]: { state, core } })` is a Lock over memory (or a broker)
 * that already exists. Each kind's `wrap` builds its objects this way. `kAttach` is an
 * internal symbol, which `index.ts` never exports, so user code cannot pass one; it is an
 * argument, not state of the module, so nothing else can see it.
 */
export interface AttachArgument<Core extends object> {
  readonly [kAttach]: Attachment<Core>;
}

/** What a rebuilt object stands on: its state, and a core over that state. */
export interface Attachment<Core extends object> {
  readonly state: SharedState;
  readonly core: Core;
}

/**
 * The attachment a constructor argument carries, or `undefined` when the argument is a
 * user's (the constructor then makes a new object).
 */
export function attachmentOf<Core extends object>(argument: unknown): Attachment<Core> | undefined {
  return typeof argument === 'object' && argument !== null && kAttach in argument
    ? (argument as AttachArgument<Core>)[kAttach]
    : undefined;
}

/** How one kind of shared object is built, in any realm. */
export interface SharedKind<Core extends object = object> {
  /** A core that works on local memory on behalf of `owner`. */
  localCore(state: LocalState, owner: number, owners: OwnerTable): Core;
  /** The public object over a core. */
  wrap(state: SharedState, core: Core): Shareable;
  /** Every method of the core, and how the broker performs it for a child process. */
  readonly methods: MethodTable<Core>;
  /**
   * The state a child process receives, for a kind that it reaches by other means than
   * arenas or the broker (a `SharedMemory` by its name); `localCore` gets it there.
   */
  toProcess?(state: LocalState): LocalState;
}

/** A registered kind: how to build its cores and objects, and how the broker serves it. */
export interface RegisteredKind {
  localCore(state: LocalState, owner: number, owners: OwnerTable): object;
  wrap(state: SharedState, core: object): Shareable;
  readonly protocol: KindProtocol;
  toProcess?(state: LocalState): LocalState;
}

const kinds = new Map<string, { readonly spec: RegisteredKind; readonly module: string }>();

/**
 * Kinds from layers above the runtime (the Manager's proxies), which the runtime's
 * kind-modules.ts cannot name: their envelopes name their module, which
 * {@link importSharedKinds} loads first.
 */
const externalKinds = new Set<string>();

/** The key of an envelope's module, for an external kind. */
const ENVELOPE_MODULE_KEY = '__multitask_module__';

/**
 * Registers a kind of shared object. Each class does this once, when its module loads, and
 * names that module (`import.meta.url`): a realm that meets the kind before it has loaded
 * the class (the broker's thread) imports it from there. Nothing in this layer imports the
 * kinds themselves.
 */
export function registerSharedKind<Core extends object>(
  kind: string,
  spec: SharedKind<Core>,
  module: string,
): void {
  const protocol: KindProtocol = { methods: methodList(spec.methods) };
  const registered: RegisteredKind = {
    localCore: (state, owner, owners) => spec.localCore(state, owner, owners),
    // The core handed back is one this kind built (locally or from its protocol).
    wrap: (state, core) => spec.wrap(state, core as Core),
    protocol,
    ...(spec.toProcess === undefined
      ? {}
      : { toProcess: (state: LocalState) => spec.toProcess?.(state) ?? state }),
  };
  kinds.set(kind, { spec: registered, module });
}

/**
 * Registers a kind of a layer above the runtime: as {@link registerSharedKind}, and its
 * envelopes carry its module so that a child imports it before rebuilding them.
 */
export function registerExternalSharedKind<Core extends object>(
  kind: string,
  spec: SharedKind<Core>,
  module: string,
): void {
  registerSharedKind(kind, spec, module);
  externalKinds.add(kind);
}

/**
 * Imports the modules of the external kinds whose envelopes are in `value`, so that
 * {@link decodeShared} finds them registered. A child calls it before decoding its arguments.
 */
export async function importSharedKinds(value: unknown): Promise<void> {
  const modules = new Set<string>();
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (ArrayBuffer.isView(node) || node instanceof ArrayBuffer) continue;
    if (ENVELOPE_KEY in node) {
      const module = (node as Record<string, unknown>)[ENVELOPE_MODULE_KEY];
      if (typeof module === 'string') modules.add(module);
    } else if (node instanceof Map) {
      for (const entry of node) stack.push(...entry);
    } else if (node instanceof Set) {
      stack.push(...(node as Set<unknown>));
    } else if (Array.isArray(node)) {
      const items: readonly unknown[] = node;
      stack.push(...items);
    } else {
      stack.push(...Object.values(node as Record<string, unknown>));
    }
  }
  await Promise.all([...modules].map((module) => import(module)));
}

/** The kinds registered in this realm, in registration order. */
export function sharedKindNames(): string[] {
  return [...kinds.keys()];
}

/** Whether `kind` is registered in this realm. */
export function hasSharedKind(kind: string): boolean {
  return kinds.has(kind);
}

/** The module that registers `kind`, for a realm that must import it. */
export function sharedKindModule(kind: string): string {
  return registered(kind).module;
}

/** How `kind` is built and served. */
export function sharedKind(kind: string): RegisteredKind {
  return registered(kind).spec;
}

function registered(kind: string): { readonly spec: RegisteredKind; readonly module: string } {
  const entry = kinds.get(kind);
  if (entry === undefined) {
    throw new MultitaskError('ERR_INTERNAL', `multitask: unknown shared object kind \`${kind}\``);
  }
  return entry;
}

/**
 * How an object is offered to a child process, and how a child reaches one: installed by
 * the broker module so that this layer does not depend on it.
 */
export interface ProcessBridge {
  /** Registers local memory with this process's broker; returns its address. */
  export(state: LocalState): RemoteState;
  /** A core that forwards every method of `protocol` to the broker holding the object. */
  remoteCore(state: RemoteState, protocol: KindProtocol): object;
}

let bridge: ProcessBridge | undefined;

export function setProcessBridge(value: ProcessBridge): void {
  bridge = value;
}

function processBridge(): ProcessBridge {
  if (bridge === undefined) {
    throw new MultitaskError('ERR_INTERNAL', 'multitask: the process broker is not loaded');
  }
  return bridge;
}

/** Rebuilds a shared object from its state, in this realm. */
export function attach(received: SharedState): Shareable {
  const spec = sharedKind(received.kind);
  if (isRemoteState(received)) {
    return spec.wrap(received, processBridge().remoteCore(received, spec.protocol));
  }
  // Arenas mapped here: from now on the object is local to this process, as in a thread.
  const state = isArenaState(received) ? fromArenaState(received) : received;
  return spec.wrap(state, spec.localCore(state, currentOwnerId(), ownerTable()));
}

/**
 * Returns `value` with every shared object replaced by an envelope for `destination`.
 * Containers are copied only where they hold a shared object, as structured clone would
 * copy them anyway.
 */
export function encodeShared(value: unknown, destination: Destination): unknown {
  const done = new Map<object, unknown>();
  const encode = (node: unknown): unknown => {
    if (typeof node !== 'object' || node === null) return node;
    if (isShareable(node)) return envelopeFor(node, destination);
    const known = done.get(node);
    if (known !== undefined) return known;
    if (
      ArrayBuffer.isView(node) ||
      node instanceof ArrayBuffer ||
      node instanceof SharedArrayBuffer
    )
      return node;
    if (node instanceof Date || node instanceof RegExp || node instanceof Error) return node;
    // Cycles: until this node is finished, references to it stay as they are.
    done.set(node, node);
    let result: unknown = node;
    if (Array.isArray(node)) {
      const mapped = node.map(encode);
      if (mapped.some((item, i) => item !== node[i])) result = mapped;
    } else if (node instanceof Map) {
      const original = [...node];
      const entries = original.map(([k, v]) => [encode(k), encode(v)] as [unknown, unknown]);
      if (entries.some(([k, v], i) => k !== original[i]?.[0] || v !== original[i]?.[1]))
        result = new Map(entries);
    } else if (node instanceof Set) {
      const original = [...node];
      const members = original.map(encode);
      if (members.some((m, i) => m !== original[i])) result = new Set(members);
    } else {
      const entries = Object.entries(node);
      const mapped = entries.map(([k, v]) => [k, encode(v)] as const);
      if (mapped.some(([, v], i) => v !== entries[i]?.[1])) result = Object.fromEntries(mapped);
    }
    done.set(node, result);
    return result;
  };
  return encode(value);
}

function envelopeFor(object: Shareable, destination: Destination): Envelope {
  const state = object[kSharedState]();
  if (externalKinds.has(state.kind)) {
    const own = sharedKind(state.kind).toProcess?.(state as LocalState) ?? state;
    return { [ENVELOPE_KEY]: own, [ENVELOPE_MODULE_KEY]: sharedKindModule(state.kind) };
  }
  // A thread shares its process's memory, and anything already remote stays so. A child
  // process maps an object whose memory is all in arenas; any other goes through the
  // broker, whole (its nested states too), so that one object never has two paths.
  if (destination === 'thread' || isRemoteState(state) || isArenaState(state)) {
    return { [ENVELOPE_KEY]: state };
  }
  const own = sharedKind(state.kind).toProcess?.(state);
  if (own !== undefined) return { [ENVELOPE_KEY]: own };
  return { [ENVELOPE_KEY]: toArenaState(state) ?? processBridge().export(state) };
}

/** Rebuilds, in place, every envelope in `value` (received by a thread or process). */
export function decodeShared(value: unknown): unknown {
  const seen = new Set<object>();
  const decode = (node: unknown): unknown => {
    if (typeof node !== 'object' || node === null) return node;
    if (ENVELOPE_KEY in node) return attach((node as Envelope)[ENVELOPE_KEY]);
    if (seen.has(node)) return node;
    seen.add(node);
    if (
      ArrayBuffer.isView(node) ||
      node instanceof ArrayBuffer ||
      node instanceof SharedArrayBuffer
    )
      return node;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = decode(node[i]);
    } else if (node instanceof Map) {
      for (const [k, v] of [...node]) {
        const key = decode(k);
        if (key !== k) node.delete(k);
        node.set(key, decode(v));
      }
    } else if (node instanceof Set) {
      for (const member of [...node]) {
        const revived = decode(member);
        if (revived !== member) {
          node.delete(member);
          node.add(revived);
        }
      }
    } else if (!(node instanceof Date || node instanceof RegExp || node instanceof Error)) {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = decode(record[key]);
    }
    return node;
  };
  return decode(value);
}

/**
 * The path of the first shared object inside `value` (`item.lock`), or `null` when there is
 * none. Containers that structured clone walks are walked; cycles are followed once.
 */
export function findShared(value: unknown, root: string): string | null {
  const seen = new Set<object>();
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() ?? [undefined, root];
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    if (isShareable(node)) return path;
    seen.add(node);
    if (
      ArrayBuffer.isView(node) ||
      node instanceof ArrayBuffer ||
      node instanceof SharedArrayBuffer
    )
      continue;
    if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push([item, `${path}[${i}]`]));
    } else if (node instanceof Map) {
      for (const [key, item] of node)
        stack.push([key, `${path}<Map key>`], [item, `${path}<Map value>`]);
    } else if (node instanceof Set) {
      for (const member of node) stack.push([member, `${path}<Set member>`]);
    } else {
      for (const [key, item] of Object.entries(node)) stack.push([item, `${path}.${key}`]);
    }
  }
  return null;
}
