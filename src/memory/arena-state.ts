/**
 * How a shared object whose memory lies in arenas (arena.ts) travels to a child process: as
 * its local state with every buffer replaced by an {@link ArenaReference}, nested states in
 * `meta` (a Condition's lock, a Value's lock) likewise. The child maps the arenas and
 * rebuilds the very same local state, so that it runs the local core on the very same words
 * as a thread, with no broker in between.
 */
import { arenaReference, openReference, pinBuffer, type ArenaReference } from './arena.ts';

/** A local state's shape, as this module needs it (shared-object.ts's `LocalState`). */
interface Local {
  readonly kind: string;
  readonly buffers: readonly SharedArrayBuffer[];
  readonly meta: unknown;
}

/** A local state on its way to another process: where its buffers are, not the buffers. */
export interface ArenaState {
  readonly kind: string;
  readonly meta: unknown;
  readonly arenas: readonly ArenaReference[];
}

export function isArenaState(state: object): state is ArenaState {
  return 'arenas' in state;
}

function isLocal(value: unknown): value is Local {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    Array.isArray((value as { buffers?: unknown }).buffers)
  );
}

function isArena(value: unknown): value is ArenaState {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    Array.isArray((value as { arenas?: unknown }).arenas)
  );
}

/** A plain record of `meta` to walk: not an array, a view, or a buffer. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof SharedArrayBuffer)
  );
}

/**
 * `state` as references to its arenas, or `null` when some buffer of it (or of a state in
 * its `meta`) is not an arena's: such an object must go through the broker, whole. Every
 * buffer referred to is pinned, since the child opens its arena later, through this
 * process's fd, whatever this process does meanwhile with the object.
 */
export function toArenaState(state: Local): ArenaState | null {
  // An object sent again (a lock in every task of a pool) costs a lookup, not a native call
  // per buffer: its state, and so its buffers, never change.
  const known = converted.get(state);
  if (known !== undefined) return known;
  const result = convertState(state);
  converted.set(state, result);
  return result;
}

const converted = new WeakMap<Local, ArenaState | null>();

function convertState(state: Local): ArenaState | null {
  const pins: SharedArrayBuffer[] = [];
  const convert = (local: Local): ArenaState | null => {
    const arenas: ArenaReference[] = [];
    for (const buffer of local.buffers) {
      const reference = arenaReference(buffer);
      if (reference === null) return null;
      arenas.push(reference);
      pins.push(buffer);
    }
    const meta = convertMeta(local.meta);
    return meta === FAILED ? null : { kind: local.kind, meta, arenas };
  };
  const FAILED = Symbol('failed');
  const convertMeta = (meta: unknown): unknown => {
    if (isLocal(meta)) return convert(meta) ?? FAILED;
    if (!isRecord(meta)) return meta;
    const entries: [string, unknown][] = [];
    for (const [key, value] of Object.entries(meta)) {
      const converted = convertMeta(value);
      if (converted === FAILED) return FAILED;
      entries.push([key, converted]);
    }
    return Object.fromEntries(entries);
  };
  const result = convert(state);
  if (result !== null) for (const buffer of pins) pinBuffer(buffer);
  return result;
}

/**
 * The local state that `state` names, its arenas mapped into this process.
 * @throws {MultitaskError} `ERR_NATIVE_UNAVAILABLE` in a process without the addon; an
 *   errno-coded Error when an arena is gone (its process died before this one mapped it).
 */
export function fromArenaState(state: ArenaState): Local {
  const revive = (meta: unknown): unknown => {
    if (isArena(meta)) return fromArenaState(meta);
    if (!isRecord(meta)) return meta;
    return Object.fromEntries(Object.entries(meta).map(([key, value]) => [key, revive(value)]));
  };
  return {
    kind: state.kind,
    buffers: state.arenas.map(openReference),
    meta: revive(state.meta),
  };
}
