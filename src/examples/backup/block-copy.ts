/**
 * `blockCopy()`: copies one large file with several threads, each copying blocks of it into
 * the same output file at their offsets.
 *
 * The output is created at its final size first (`ftruncate`), so that every block has its
 * place before any thread writes: each thread then opens it with `'r+'` (no truncation) and
 * writes at explicit positions, through its own descriptor, never in another block's range.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, ftruncateSync, openSync } from 'node:fs';
import { access, chmod, realpath, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { taskModule, ThreadPool, Value } from '../../index.ts';
import { BackupError } from './errors.ts';
import type { BlockJob } from './tasks.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Options of {@link blockCopy}. */
export interface BlockCopyOptions {
  /** The file to copy. */
  readonly source: string;
  /** The copy. */
  readonly target: string;
  /**
   * Threads copying blocks at the same time.
   * @default 4
   */
  readonly threads?: number | undefined;
  /**
   * Bytes per block (one task each). The default gives each thread one block:
   * the size divided by `threads`, rounded up.
   */
  readonly blockSize?: number | undefined;
  /**
   * Replace `target` if it exists.
   * @default false
   */
  readonly force?: boolean | undefined;
  /** Called with the bytes copied so far (polled every 100 ms, and after each block). */
  readonly onProgress?: ((bytes: number, total: number) => void) | undefined;
  /** Aborts the copy: the threads are stopped and the partial copy removed. */
  readonly signal?: AbortSignal | undefined;
}

/** What {@link blockCopy} did. */
export interface BlockCopySummary {
  readonly source: string;
  readonly target: string;
  readonly bytes: number;
  readonly threads: number;
  readonly blockSize: number;
  readonly blocks: number;
  /** The SHA-256 of the source, in hex. */
  readonly sha256: string;
  /** True when the copy's SHA-256 is the source's. */
  readonly identical: boolean;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Expected \`${name}\` to be an integer from 1 and up, got \`${typeof value === 'number' ? value : typeof value}\``,
    );
  }
  return value;
}

/** Refuses, before anything is copied, a target whose directory cannot take a new file. */
async function writableDirectory(dir: string, target: string): Promise<void> {
  const info = await stat(dir).catch((error: unknown) => error as NodeJS.ErrnoException);
  const why =
    info instanceof Error
      ? info.code === 'ENOENT' || info.code === 'ENOTDIR'
        ? `its directory \`${dir}\` does not exist`
        : info.message
      : !info.isDirectory()
        ? `\`${dir}\` is not a directory`
        : await access(dir, constants.W_OK | constants.X_OK).then(
            () => undefined,
            () => `no permission to create files in \`${dir}\``,
          );
  if (why !== undefined) {
    throw new BackupError('ERR_DEST_UNWRITABLE', `Cannot write the copy to \`${target}\`: ${why}`);
  }
}

/**
 * Copies `source` to `target` with a pool of `threads` threads, one task per block, then
 * compares the two files' SHA-256 (computed by two threads at once). The copy is written
 * under a temporary name beside `target` and renamed once complete, with the source's mode
 * and times.
 * @throws {BackupError} `ERR_BAD_SOURCE` when `source` is not a regular file;
 * `ERR_DEST_EXISTS` when `target` exists and `force` is not set; `ERR_BAD_DEST` when
 * `target` is `source`; `ERR_DEST_UNWRITABLE` when `target` is a directory, or its directory
 * is missing or not writable (all checked before anything is copied); `ERR_ABORTED` when `signal` aborts it (the partial copy is removed).
 * @throws {RangeError} for a `threads` or `blockSize` that is not a positive integer.
 * @example
 * ```ts
 * const { identical } = await blockCopy({ source: 'disk.img', target: 'copy.img', threads: 4 });
 * ```
 */
export async function blockCopy(options: BlockCopyOptions): Promise<BlockCopySummary> {
  const source = resolve(options.source);
  const target = resolve(options.target);
  const threads = positiveInteger('threads', options.threads, 4);
  const info = await stat(source).catch(() => null);
  if (info?.isFile() !== true) {
    throw new BackupError('ERR_BAD_SOURCE', `Expected a regular file to copy, got \`${source}\``);
  }
  const size = info.size;
  const blockSize = positiveInteger(
    'blockSize',
    options.blockSize,
    Math.max(1, Math.ceil(size / threads)),
  );
  options.signal?.throwIfAborted();
  const existing = await stat(target).catch(() => null);
  if (existing?.isDirectory() === true) {
    throw new BackupError(
      'ERR_DEST_UNWRITABLE',
      `Cannot write the copy to \`${target}\`: it is a directory (give the copy's file name)`,
    );
  }
  await writableDirectory(dirname(target), target);
  if (existing !== null) {
    if ((await realpath(target)) === (await realpath(source))) {
      throw new BackupError('ERR_BAD_DEST', `The copy \`${target}\` is the source itself`);
    }
    if (options.force !== true) {
      throw new BackupError(
        'ERR_DEST_EXISTS',
        `\`${target}\` already exists: refusing to overwrite it (use --force to replace it)`,
      );
    }
  }

  // Beside the target (so that the rename stays on one file system), hidden, and short
  // whatever the target's name.
  const temp = join(dirname(target), `.multitask-${randomBytes(4).toString('hex')}.partial`);
  const blocks: BlockJob[] = [];
  for (let offset = 0; offset < size; offset += blockSize) {
    blocks.push({ source, target: temp, offset, length: Math.min(blockSize, size - offset) });
  }
  // The output at its final size, before any block is written into it.
  const fd = openSync(temp, 'wx', 0o600);
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }

  const { onProgress, signal } = options;
  let pool: ThreadPool | undefined;
  let timer: NodeJS.Timeout | undefined;
  const abort = (): void => {
    void pool?.terminate();
  };
  let renamed = false;
  try {
    // Everything after the temporary file exists is inside this try: it never outlives it.
    const counter = onProgress === undefined ? null : new Value('d', 0);
    pool = new ThreadPool({
      processes: threads,
      initializer: tasks.setByteCounter,
      initargs: [counter],
    });
    const report = (): void => {
      if (counter !== null) onProgress?.(counter.value, size);
    };
    if (onProgress !== undefined) timer = setInterval(report, 100);
    signal?.addEventListener('abort', abort);
    // An abort since the last check found no listener: act on it now.
    if (signal?.aborted === true) abort();
    // Blocks cut short by an abort fail with the pool's own error: report the abort instead.
    const complete = await pool
      .map(tasks.copyBlock, blocks, { chunksize: 1, onProgress: report })
      .then(
        () => signal?.aborted !== true,
        (error: unknown) => {
          if (signal?.aborted !== true) throw error;
          return false;
        },
      );
    if (!complete) {
      throw new BackupError('ERR_ABORTED', `The copy of \`${source}\` was aborted`, {
        cause: signal?.reason,
      });
    }
    clearInterval(timer);
    await chmod(temp, info.mode & 0o7777);
    await utimes(temp, info.atimeMs / 1000, info.mtimeMs / 1000);
    await rename(temp, target);
    renamed = true;
    const [sha256, copied] = await pool.map(tasks.hashFile, [source, target], { chunksize: 1 });
    return {
      source,
      target,
      bytes: size,
      threads,
      blockSize,
      blocks: blocks.length,
      sha256: sha256 ?? '',
      identical: sha256 !== undefined && sha256 === copied,
    };
  } finally {
    clearInterval(timer);
    signal?.removeEventListener('abort', abort);
    // Also waits for the threads an abort stopped: none writes to `temp` once it is removed.
    await pool?.terminate();
    if (!renamed) await rm(temp, { force: true });
  }
}
