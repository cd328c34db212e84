/**
 * The optional native addon (native/, built at install by scripts/build-native.mjs): shared
 * memory that every process maps, and futex waits that work across processes. Where it is
 * there, a child process maps its parent's arenas and works on the same words as a thread;
 * where it is not (no compiler at install, another OS), the broker serves child processes.
 *
 * Memory model. An arena is a memfd mapped `MAP_SHARED`, seen from JavaScript as a real
 * `SharedArrayBuffer` (threads receive it by `postMessage` like any other). `Atomics` on its
 * words synchronize across processes exactly as across threads, but `Atomics.wait` and
 * `Atomics.notify` do not: V8 keeps their wait list inside one process. A word of an arena
 * that may be waited on from another process is waited on with {@link NativeAddon.wait} /
 * {@link futexWaitAsync} and woken with {@link NativeAddon.wake} (shared futexes, keyed by
 * the page), never with `Atomics.wait`/`notify`. A futex word is one Int32 of the mapping,
 * 4-byte aligned as every `Int32Array` element is.
 *
 * `MULTITASK_SHARED_MEMORY` chooses: `native` (the addon, or an error), `broker` (never the
 * addon; CI's second run), unset or `auto` (the addon when it is built).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ArgumentTypeError, MultitaskError } from '../errors-core.ts';

/** An arena mapped in this process, and how to name it for another process. */
export interface ArenaHandle {
  /** The arena's memory; its `byteLength` is the arena's size. */
  readonly buffer: SharedArrayBuffer;
  /** This process's fd of the arena: another process opens `/proc/<pid>/fd/<fd>`. */
  readonly fd: number;
  /** The memfd's inode, which an opener checks, in case `fd` was closed and reused. */
  readonly inode: number;
}

/** Where a buffer lies: its arena (as {@link ArenaHandle} names it) and its offset there. */
export interface ArenaPlace {
  readonly fd: number;
  readonly inode: number;
  readonly offset: number;
}

/** How the native addon's futex waits end. */
export type FutexWaitResult = 'ok' | 'not-equal' | 'timed-out';

/** The functions of the native addon (native/src/*.cc, one line each there too). */
export interface NativeAddon {
  /** A new zeroed arena of `size` bytes (a sealed memfd mapped `MAP_SHARED`). */
  createArena(size: number): ArenaHandle;
  /**
   * Maps the arena that process `pid` holds as `fd`, through `/proc/<pid>/fd/<fd>` (same
   * user). With `inode`, a different file is refused (`ESTALE`). Opening an arena this
   * process already maps returns a buffer over the same mapping and the first fd.
   */
  openArena(pid: number, fd: number, inode?: number): ArenaHandle;
  /**
   * This process's fd and inode of the arena that `buffer` is (or is a slice of), and where
   * `buffer` starts in it; `null` when `buffer` is no arena's.
   */
  arenaOf(buffer: SharedArrayBuffer): ArenaPlace | null;
  /**
   * A new buffer over `[offset, offset + length)` of `buffer`, an arena or a slice of one. The
   * slice keeps the arena's mapping (and fd) alive while it lives, in any realm.
   */
  sliceArena(buffer: SharedArrayBuffer, offset: number, length: number): SharedArrayBuffer;
  /**
   * Blocks while `array[index] === expected`, until woken or `timeout` ms pass (`undefined`,
   * `NaN`, `Infinity`: no limit). `'ok'` may also be a spurious wake: re-check the word.
   */
  wait(array: Int32Array, index: number, expected: number, timeout?: number): FutexWaitResult;
  /** Wakes up to `count` (default all) waiters of `array[index]` in every process. */
  wake(array: Int32Array, index: number, count?: number): number;
  /**
   * {@link NativeAddon.wait} without blocking: one waiter thread per realm sleeps on every
   * pending wait. The promise settles `'cancelled'` after {@link NativeAddon.cancelWait}.
   * Change the word before waking it: a wake with no change can be missed when several
   * waits of one realm are woken at once.
   */
  waitAsync(
    array: Int32Array,
    index: number,
    expected: number,
    timeout?: number,
  ): { readonly id: number; readonly promise: Promise<FutexWaitResult | 'cancelled'> };
  /** Settles a pending wait with `'cancelled'`; `false` if it had already settled. */
  cancelWait(id: number): boolean;
  /**
   * The start time of process `pid` (clock ticks since boot), or `null` if it is gone or a
   * zombie. A pid with the start time recorded earlier names one process for good.
   */
  processStartTime(pid: number): number | null;
  /**
   * Has the kernel SIGKILL this process when the thread that forked it ends
   * (`PR_SET_PDEATHSIG`); `false` when the parent, `parentPid`, had died already. The signal
   * follows the forking thread: only for a child forked by its parent's main thread.
   */
  dieWithParent(parentPid: number): boolean;
  /**
   * Creates (`O_EXCL`: `EEXIST` when taken) or attaches to (`ENOENT` when missing) the named
   * segment `/dev/shm/<name>` and maps it whole; attaching refuses (`ERANGE`) a `size`
   * larger than the segment. The buffer unmaps itself once collected (native/src/named.cc).
   */
  openNamed(
    name: string,
    create: boolean,
    size: number,
  ): { readonly buffer: SharedArrayBuffer; readonly inode: number };
  /** Whether the kernel has `futex_waitv` (Linux 5.15); without it async waits poll. */
  readonly futexWaitv: boolean;
}

/** Where the built addon lives, from the package root (this file is in src/ or dist/). */
export const NATIVE_ADDON_PATH = fileURLToPath(
  new URL('../../native/build/Release/multitask_native.node', import.meta.url),
);

const MODES = ['auto', 'native', 'broker'] as const;
type Mode = (typeof MODES)[number];

function mode(): Mode {
  const value = process.env.MULTITASK_SHARED_MEMORY ?? 'auto';
  const found = MODES.find((m) => m === (value === '' ? 'auto' : value));
  if (found === undefined) {
    throw new ArgumentTypeError(
      `Expected \`MULTITASK_SHARED_MEMORY\` to be \`native\`, \`broker\` or \`auto\`, got \`${value}\` (string)`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return found;
}

let loaded: { readonly addon: NativeAddon | null; readonly error?: unknown } | undefined;

/**
 * The native addon, loaded once per realm, or `null` when it is not built, cannot load, or
 * `MULTITASK_SHARED_MEMORY=broker`.
 *
 * @throws {MultitaskError} `ERR_NATIVE_UNAVAILABLE` with `MULTITASK_SHARED_MEMORY=native`
 *   and no addon (the load error is its `cause`).
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_VALUE` for another value of the variable.
 */
export function nativeAddon(): NativeAddon | null {
  const wanted = mode();
  if (loaded === undefined) {
    if (wanted === 'broker') return null;
    try {
      const require = createRequire(import.meta.url);
      loaded = { addon: require(NATIVE_ADDON_PATH) as NativeAddon };
    } catch (error) {
      loaded = { addon: null, error };
    }
  }
  if (wanted === 'broker') return null;
  if (loaded.addon === null && wanted === 'native') {
    throw new MultitaskError(
      'ERR_NATIVE_UNAVAILABLE',
      'MULTITASK_SHARED_MEMORY=native, but the shared-memory addon is not available: ' +
        (process.platform === 'linux'
          ? 'build it with `npm rebuild multitask` (needs g++ or clang, make and python3)'
          : 'it is Linux-only'),
      { cause: loaded.error },
    );
  }
  return loaded.addon;
}

/**
 * Which shared-memory backend serves child processes: `'native'` when the addon maps shared
 * memory into every process, `'broker'` when a thread of the parent performs each operation
 * on their behalf (no addon, or `MULTITASK_SHARED_MEMORY=broker`). Threads share memory
 * directly either way.
 *
 * @throws {MultitaskError} `ERR_NATIVE_UNAVAILABLE` when `MULTITASK_SHARED_MEMORY=native`
 *   and the addon is not built.
 * @example
 * ```ts
 * import { sharedMemoryBackend } from 'multitask';
 * console.log(sharedMemoryBackend()); // 'native' after an install with a C++ compiler
 * ```
 */
export function sharedMemoryBackend(): 'native' | 'broker' {
  return nativeAddon() === null ? 'broker' : 'native';
}

/** How a {@link futexWaitAsync} ends: as the addon's waits, or `'aborted'` by its signal. */
export type FutexAsyncResult = FutexWaitResult | 'aborted';

/**
 * Waits without blocking while `array[index] === expected` (see {@link NativeAddon.waitAsync}),
 * for at most `timeout` ms; an abort of `signal` takes the wait out of the waiter thread's
 * set and resolves `'aborted'`.
 */
export async function futexWaitAsync(
  addon: NativeAddon,
  array: Int32Array,
  index: number,
  expected: number,
  options: { readonly timeout?: number; readonly signal?: AbortSignal } = {},
): Promise<FutexAsyncResult> {
  const { signal } = options;
  if (signal?.aborted === true) return 'aborted';
  const { id, promise } = addon.waitAsync(array, index, expected, options.timeout);
  if (signal === undefined || id === 0) return settled(await promise);
  const onAbort = (): void => {
    addon.cancelWait(id);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return settled(await promise);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function settled(result: FutexWaitResult | 'cancelled'): FutexAsyncResult {
  return result === 'cancelled' ? 'aborted' : result;
}

/**
 * Whether the process `pid` that started at `startTime` (from
 * {@link NativeAddon.processStartTime}) is still running: `false` once it has exited, even
 * if its pid now belongs to another process.
 */
export function isProcessAlive(addon: NativeAddon, pid: number, startTime: number): boolean {
  return addon.processStartTime(pid) === startTime;
}
