/**
 * `SharedMemory`: Python's `multiprocessing.shared_memory.SharedMemory`, a block of bytes
 * with a name, which any process of the user attaches to by that name. It needs the native
 * addon (named.cc maps `/dev/shm/<name>` as a `SharedArrayBuffer`); without it the
 * constructor throws `ERR_NATIVE_UNAVAILABLE`.
 *
 * Crossing to workers: a thread receives the very buffer (the same mapping); a process
 * receives the name and size, and attaches by name, as Python's pickled `SharedMemory`
 * does. Segments a process creates and does not unlink are unlinked when it exits, or by
 * the next creator after a `kill -9` (shm-registry.ts).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ArgumentRangeError,
  FileExistsError,
  FileNotFoundError,
  MultitaskError,
  StateError,
} from '../errors.ts';
import { kAttach } from '../internal/symbols.ts';
import { checkOptions as checkKnownOptions, optionNames } from '../internal/options.ts';
import { assertBoolean, assertInteger, assertString, typeError } from '../internal/validate.ts';
import { addonIfLoaded } from '../memory/arena.ts';
import { nativeAddon, type NativeAddon } from '../memory/native.ts';
import {
  attachmentOf,
  kSharedState,
  registerSharedKind,
  stateBuffer,
  type AttachArgument,
  type LocalState,
  type Shareable,
  type SharedState,
} from '../memory/shared-object.ts';
import { SHM_DIR, recordCreated, sweepStaleSegments, unlinkAtExit } from './shm-registry.ts';
import { defineRepr, reprValue } from '../internal/repr.ts';

/** Options of `new SharedMemory()`, as Python's `SharedMemory(name, create, size)`. */
export interface SharedMemoryOptions {
  /** The segment's name; generated (`mt_<pid>_<hex>`) when omitted with `create`. */
  readonly name?: string;
  /** `true` to create a new segment; default `false`: attach to an existing one. */
  readonly create?: boolean;
  /** Bytes: required (> 0) to create; to attach, at most the segment's size (default 0). */
  readonly size?: number;
}

interface SharedMemoryMeta {
  readonly name: string;
  readonly size: number;
  /** Set on the way to another process, which attaches by name instead of by buffer. */
  readonly byName?: true;
}

/** The segment's operations: there is one, the memory itself. */
export interface SharedMemoryCoreApi {
  buffer(): SharedArrayBuffer;
}

export class SharedMemoryCore implements SharedMemoryCoreApi {
  readonly #buffer: SharedArrayBuffer;

  constructor(buffer: SharedArrayBuffer) {
    this.#buffer = buffer;
  }

  buffer(): SharedArrayBuffer {
    return this.#buffer;
  }
}

const KIND = 'SharedMemory';

/**
 * A block of shared memory with a name, which threads and processes attach to by that
 * name: Python's `multiprocessing.shared_memory.SharedMemory`. Needs the shared-memory
 * addon (Linux, built at install): see {@link sharedMemoryBackend}.
 *
 * @example
 * ```ts
 * const shm = new SharedMemory({ create: true, size: 1024 });
 * shm.buf[0] = 42;
 * // in another process: const other = new SharedMemory({ name: shm.name });
 * shm.close();
 * shm.unlink();
 * ```
 */
export class SharedMemory implements Shareable {
  /** Python's repr of this object, as `util.inspect` (so `console.log`) shows it too. */
  declare toString: () => string;

  readonly #state: LocalState;
  readonly #name: string;
  readonly #size: number;
  #buf: Uint8Array | null;

  /**
   * @throws {FileExistsError} `ERR_FILE_EXISTS` to create a name that exists.
   * @throws {FileNotFoundError} `ERR_FILE_NOT_FOUND` to attach to a name that does not.
   * @throws {ArgumentRangeError} for `size` ≤ 0 with `create`, a negative `size`, a `size`
   * larger than the segment, an invalid name (`ERR_OUT_OF_RANGE`), or no name without
   * `create` (`ERR_INVALID_ARG_VALUE`).
   * @throws {ArgumentTypeError} for options of the wrong type.
   * @throws {MultitaskError} `ERR_NATIVE_UNAVAILABLE` without the shared-memory addon.
   */
  constructor(options?: SharedMemoryOptions);
  /** @internal Rebuilds a segment that exists (see AttachArgument). */
  constructor(attach: AttachArgument<SharedMemoryCoreApi>);
  constructor(options?: SharedMemoryOptions | AttachArgument<SharedMemoryCoreApi>) {
    const attached = attachmentOf<SharedMemoryCoreApi>(options);
    if (attached !== undefined) {
      const meta = attached.state.meta as SharedMemoryMeta;
      const buffer = attached.core.buffer();
      // By name (from another process): a state of this process's own mapping from now on.
      this.#state =
        meta.byName === true
          ? { kind: KIND, buffers: [buffer], meta: { name: meta.name, size: buffer.byteLength } }
          : (attached.state as LocalState);
      this.#name = meta.name;
      this.#size = buffer.byteLength;
      this.#buf = new Uint8Array(buffer);
      return;
    }
    const { name, create, size } = checkOptions(options);
    const addon = requireAddon();
    let opened: { readonly buffer: SharedArrayBuffer; readonly inode: number } | undefined;
    let chosen = name ?? generatedName();
    if (create) sweepStaleSegments();
    while (opened === undefined) {
      try {
        opened = openSegment(addon, chosen, create, size);
      } catch (error) {
        if (name !== undefined || !(error instanceof FileExistsError)) throw error;
        chosen = generatedName(); // a generated name taken: try another, as Python does
      }
    }
    if (create) {
      recordCreated(chosen, opened.inode);
      unlinkAtExit();
    }
    this.#name = chosen;
    this.#size = opened.buffer.byteLength;
    this.#buf = new Uint8Array(opened.buffer);
    this.#state = {
      kind: KIND,
      buffers: [opened.buffer],
      meta: { name: chosen, size: this.#size },
    };
  }

  /**
   * The segment's bytes, a `Uint8Array` over a `SharedArrayBuffer` mapped in this process.
   * @throws {StateError} `ERR_INVALID_STATE` after {@link SharedMemory.close}.
   */
  get buf(): Uint8Array {
    if (this.#buf === null) {
      throw new StateError('ERR_INVALID_STATE', `SharedMemory '${this.#name}' is closed`);
    }
    return this.#buf;
  }

  /** The segment's name, by which other processes attach to it. */
  get name(): string {
    return this.#name;
  }

  /** The segment's size in bytes. */
  get size(): number {
    return this.#size;
  }

  /**
   * Lets go of this object's view of the segment; `buf` throws afterwards. The memory is
   * unmapped once no buffer over it is left in this process (a garbage collection away).
   * Closing twice is harmless. Python's `close()`.
   */
  close(): void {
    this.#buf = null;
  }

  /**
   * Removes the name, once, from any process: no one can attach any more, while those
   * attached keep the memory until they let go. Python's `unlink()`.
   * @throws {FileNotFoundError} `ERR_FILE_NOT_FOUND` when the name is already gone.
   */
  unlink(): void {
    try {
      rmSync(join(SHM_DIR, this.#name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new FileNotFoundError(this.#name, { cause: error });
      }
      throw error;
    }
  }

  /** @internal */
  [kSharedState](): SharedState {
    return this.#state;
  }
}

const SHARED_MEMORY_OPTIONS = optionNames<SharedMemoryOptions>({
  name: true,
  create: true,
  size: true,
});

function checkOptions(options: unknown): { name?: string; create: boolean; size: number } {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw typeError('options', 'an object', options);
  }
  checkKnownOptions(options, SHARED_MEMORY_OPTIONS, 'new SharedMemory()');
  const { name, create = false, size = 0 } = (options ?? {}) as SharedMemoryOptions;
  if (name !== undefined) assertString(name, 'name');
  assertBoolean(create, 'create');
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    throw typeError('size', 'an integer', size);
  }
  if (create) assertInteger(size, 'size', 1);
  else assertInteger(size, 'size', 0);
  if (!create && name === undefined) {
    throw new ArgumentRangeError(
      'Expected `name` to attach to, or `create: true`: only a new segment can be unnamed',
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return name === undefined ? { create, size } : { name, create, size };
}

function generatedName(): string {
  return `mt_${process.pid}_${randomBytes(8).toString('hex')}`;
}

/** Maps the segment, with the addon's errno errors as Python's. */
function openSegment(
  addon: NativeAddon,
  name: string,
  create: boolean,
  size: number,
): { readonly buffer: SharedArrayBuffer; readonly inode: number } {
  try {
    return addon.openNamed(name, create, size);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EEXIST') throw new FileExistsError(name, { cause: error });
    if (code === 'ENOENT') throw new FileNotFoundError(name, { cause: error });
    if (code === 'ERANGE' || code === 'EINVAL') {
      throw new ArgumentRangeError(
        `Expected \`size\` to be at most the size of segment '${name}': ${(error as Error).message}`,
        code === 'ERANGE' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_VALUE',
        { cause: error },
      );
    }
    throw error;
  }
}

/** The core over a segment's state: its buffer, or (from another process) by its name. */
export function segmentCore(state: LocalState): SharedMemoryCore {
  const meta = state.meta as SharedMemoryMeta;
  if (meta.byName !== true) return new SharedMemoryCore(stateBuffer(state));
  return new SharedMemoryCore(openSegment(requireAddon(), meta.name, false, meta.size).buffer);
}

/** The state a process receives: the name and size, no buffer (it attaches by name). */
export function byNameState(state: LocalState): LocalState {
  return { ...state, buffers: [], meta: { ...(state.meta as object), byName: true } };
}

function requireAddon(): NativeAddon {
  const addon = nativeAddon();
  if (addon === null) {
    throw new MultitaskError(
      'ERR_NATIVE_UNAVAILABLE',
      'SharedMemory needs the shared-memory addon, which this process does not use: ' +
        (process.env.MULTITASK_SHARED_MEMORY === 'broker'
          ? 'unset MULTITASK_SHARED_MEMORY=broker'
          : 'build it with `npm rebuild multitask` (Linux; needs g++ or clang, make and python3)'),
    );
  }
  return addon;
}

/** Whether the addon is there: without it, the kind is not registered (nothing can make one). */
export function addonPresent(): boolean {
  try {
    return addonIfLoaded() !== null;
  } catch {
    return false;
  }
}

if (addonPresent()) {
  unlinkAtExit(); // in the main thread, for the segments its worker threads create
  registerSharedKind<SharedMemoryCoreApi>(
    KIND,
    {
      localCore: segmentCore,
      wrap: (state, core) => new SharedMemory({ [kAttach]: { state, core } }),
      toProcess: byNameState,
      methods: { buffer: 'sync' },
    },
    import.meta.url,
  );
}

// Python's `SharedMemory('psm_…', size=16)`.
defineRepr(SharedMemory, (shm) => `SharedMemory(${reprValue(shm.name)}, size=${shm.size})`);
