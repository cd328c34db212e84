/**
 * Where shared objects' memory comes from. With the native addon, every object's buffers are
 * carved out of arenas (memfds that every process of the tree can map), so that a child
 * process attaches to the very same words as a thread; without it, they are plain
 * `SharedArrayBuffer`s, which child processes reach through the broker.
 *
 * Allocation is a bump allocator over arena *chunks* of {@link CHUNK_BYTES}: one memfd per
 * object would soon exhaust the process's file descriptors (1,024 by default). Each object
 * still gets a `SharedArrayBuffer` of its own, starting at offset 0: a slice of the chunk's
 * mapping (`sliceArena`), which keeps the mapping alive while it lives. Slices start on
 * {@link ALIGNMENT}-byte boundaries, so a layout laid out in cache lines (the queue's
 * CONTROL) stays in cache lines. Memory is never reused: no process can tell when every
 * other process has let go of an object, so a chunk is unmapped, and its fd closed, when
 * this process holds no buffer over it any more. An object larger than a chunk's half gets
 * an arena of its own, and so do the buffers of one object that must be able to grow
 * ({@link allocateGrowable}).
 *
 * An arena is named to another process as `/proc/<pid>/fd/<fd>` of a process that maps it
 * ({@link ArenaReference}); the fd lives as long as the mapping. A buffer sent to a child
 * process is therefore pinned ({@link pinBuffer}) for the rest of this process's life: the
 * child may open it after this process has dropped the object.
 */
import { MultitaskError } from '../errors.ts';
import { nativeAddon, type NativeAddon } from './native.ts';

/** Bytes of one arena chunk that small objects are carved from. */
export const CHUNK_BYTES = 2 ** 20;
/** Every object's buffer starts on such a boundary in its arena: one cache line. */
export const ALIGNMENT = 64;

/** How a process finds a buffer of an arena: the arena as a process maps it, and the range. */
export interface ArenaReference {
  readonly pid: number;
  readonly fd: number;
  readonly inode: number;
  readonly offset: number;
  readonly length: number;
}

/** Options of {@link allocateShared}. */
export interface AllocateOptions {
  /**
   * The most the buffer may ever need. Without the addon, the buffer is growable up to it;
   * with it, the buffer is this size from the start (an arena's pages cost nothing until
   * touched) and cannot grow: a caller treats a non-growable buffer as grown to its maximum.
   */
  readonly maxByteLength?: number;
}

let chunk: { readonly buffer: SharedArrayBuffer; used: number } | undefined;

/**
 * Which buffers of this realm are an arena's. A WeakMap, so that a buffer received from
 * another realm (by postMessage, in a state) is asked about once, and forgotten with it.
 */
const known = new WeakMap<SharedArrayBuffer, boolean>();

/** Buffers sent to child processes, which may open their arena at any time. */
const pinned = new Set<SharedArrayBuffer>();

/** Arenas this process opened for another process's reference, by inode. */
const opened = new Map<number, WeakRef<SharedArrayBuffer>>();

/**
 * A new zeroed buffer of `byteLength` bytes for a shared object: an arena's (native) or a
 * plain `SharedArrayBuffer`.
 * @throws {Error} with the errno's name as `code` when the system refuses an arena (ENOMEM,
 *   EMFILE).
 */
export function allocateShared(byteLength: number, options?: AllocateOptions): SharedArrayBuffer {
  const addon = nativeAddon();
  const max = options?.maxByteLength;
  if (addon === null) {
    return max === undefined
      ? new SharedArrayBuffer(byteLength)
      : new SharedArrayBuffer(byteLength, { maxByteLength: max });
  }
  // sliceArena cannot make an empty buffer; an empty one has nothing to share anyway.
  if (byteLength === 0 && max === undefined) return new SharedArrayBuffer(0);
  let buffer: SharedArrayBuffer;
  if (max !== undefined || byteLength > CHUNK_BYTES / 2) {
    buffer = addon.createArena(max ?? byteLength).buffer;
  } else {
    buffer = carve(addon, byteLength);
  }
  known.set(buffer, true);
  return buffer;
}

/**
 * As {@link allocateShared} for buffers that may grow (`maxByteLength` each), made together:
 * with the addon they share one arena, each reserved at its maximum at a page boundary, so
 * that an object of several such buffers (a queue's ENTRIES and DATA) costs one fd.
 * @throws {Error} with the errno's name as `code` when the system refuses the arena.
 */
export function allocateGrowable(
  sizes: readonly { readonly byteLength: number; readonly maxByteLength: number }[],
): SharedArrayBuffer[] {
  const addon = nativeAddon();
  if (addon === null) {
    return sizes.map(
      ({ byteLength, maxByteLength }) => new SharedArrayBuffer(byteLength, { maxByteLength }),
    );
  }
  const offsets: number[] = [];
  let total = 0;
  for (const { maxByteLength } of sizes) {
    offsets.push(total);
    total += Math.ceil(maxByteLength / PAGE) * PAGE;
  }
  const arena = addon.createArena(total).buffer;
  return sizes.map(({ maxByteLength }, i) => {
    const buffer = addon.sliceArena(arena, offsets[i] ?? 0, maxByteLength);
    known.set(buffer, true);
    return buffer;
  });
}

const PAGE = 4096;

function carve(addon: NativeAddon, byteLength: number): SharedArrayBuffer {
  if (chunk === undefined || chunk.used + byteLength > CHUNK_BYTES) {
    // The old chunk lives on in the slices made from it, and goes with the last of them.
    chunk = { buffer: addon.createArena(CHUNK_BYTES).buffer, used: 0 };
  }
  const offset = chunk.used;
  chunk.used = Math.ceil((offset + byteLength) / ALIGNMENT) * ALIGNMENT;
  return addon.sliceArena(chunk.buffer, offset, byteLength);
}

/**
 * Whether `buffer` lies in an arena, so that processes share it and its waits and wakes must
 * go through the futex. One WeakMap lookup once known; `false` at once without the addon.
 */
export function isArenaBuffer(buffer: ArrayBufferLike): boolean {
  const addon = addonIfLoaded();
  if (addon === null || !(buffer instanceof SharedArrayBuffer)) return false;
  let answer = known.get(buffer);
  if (answer === undefined) {
    answer = buffer.byteLength > 0 && addon.arenaOf(buffer) !== null;
    known.set(buffer, answer);
  }
  return answer;
}

/**
 * How another process finds `buffer`, or `null` when it is not an arena's. An empty buffer
 * has a reference of length 0 (the receiver makes an empty buffer of its own).
 */
export function arenaReference(buffer: SharedArrayBuffer): ArenaReference | null {
  if (buffer.byteLength === 0) return { pid: 0, fd: -1, inode: 0, offset: 0, length: 0 };
  const addon = addonIfLoaded();
  const place = addon === null ? null : addon.arenaOf(buffer);
  if (place === null) return null;
  return { pid: process.pid, ...place, length: buffer.byteLength };
}

/**
 * The buffer that `reference` names, mapped into this process. Each arena is opened once
 * per process while any of its buffers lives.
 * @throws {MultitaskError} `ERR_NATIVE_UNAVAILABLE` without the addon; an errno-coded Error
 *   when the arena is gone (`ENOENT`, `ESTALE`).
 */
export function openReference(reference: ArenaReference): SharedArrayBuffer {
  if (reference.length === 0) return new SharedArrayBuffer(0);
  const addon = nativeAddon() ?? requireAddon();
  let arena = opened.get(reference.inode)?.deref();
  if (arena === undefined) {
    arena = addon.openArena(reference.pid, reference.fd, reference.inode).buffer;
    opened.set(reference.inode, new WeakRef(arena));
  }
  const buffer = addon.sliceArena(arena, reference.offset, reference.length);
  known.set(buffer, true);
  return buffer;
}

/** Keeps `buffer` (and its arena's fd) alive for the rest of this process's life. */
export function pinBuffer(buffer: SharedArrayBuffer): void {
  pinned.add(buffer);
}

/** The addon when this realm uses it; `null` in broker mode. Cached: asked on every wake. */
let cachedAddon: NativeAddon | null | undefined;
export function addonIfLoaded(): NativeAddon | null {
  if (cachedAddon === undefined) cachedAddon = nativeAddon();
  return cachedAddon;
}

function requireAddon(): never {
  // A parent with the addon sent arena references to a child that runs without it (a
  // different MULTITASK_SHARED_MEMORY in the child's environment).
  throw new MultitaskError(
    'ERR_NATIVE_UNAVAILABLE',
    'multitask: a shared object lives in an arena, but this process does not use the shared-memory addon',
  );
}
