/**
 * `backup()`: copies a directory tree with a process pool, one task per file, then verifies
 * every copy by its SHA-256, computed in the pool too.
 *
 * The parent scans the tree, creates the directories and the symlinks (cheap, and in an order
 * that matters), and hands every regular file to the pool. The workers add the bytes they copy
 * to a shared `Value('d')` that the parent polls for the progress it reports.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lutimes, mkdir, readlink, rename, rm, symlink, utimes } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Pool, taskModule, Value } from '../../index.ts';
import { BackupError } from './errors.ts';
import type { CopyJob } from './tasks.ts';
import { check, defaultDestination, parseWorkers, scan } from './tree.ts';
import { verifyFiles } from './verify.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Where a backup stands: reported by {@link backup} through `onProgress`. */
export interface BackupProgress {
  /** `copy` while files are copied, then `verify` while their checksums are compared. */
  readonly phase: 'copy' | 'verify';
  /** Bytes copied (or verified) so far: never decreases within a phase. */
  readonly bytes: number;
  /** The size of all the files, as scanned before the copy. */
  readonly totalBytes: number;
  /** Files completely copied (or verified) so far. */
  readonly files: number;
  readonly totalFiles: number;
}

/** Options of {@link backup}. */
export interface BackupOptions {
  /** The directory to back up. */
  readonly src: string;
  /**
   * Where to: a directory that does not exist yet (it is created) or is empty.
   * @default `${src}-backup`
   */
  readonly dest?: string | undefined;
  /**
   * Worker processes.
   * @default cpuCount()
   */
  readonly workers?: number | undefined;
  /**
   * Copy into a destination that is not empty, replacing the files of the same names (other
   * files there are left alone).
   * @default false
   */
  readonly force?: boolean | undefined;
  /**
   * Called as the copy and then the verification progress: at most every `progressInterval`
   * ms while bytes flow, and after each file; the last call of the copy phase has
   * `bytes === totalBytes` (unless a file changed size meanwhile).
   */
  readonly onProgress?: ((progress: BackupProgress) => void) | undefined;
  /**
   * How often the shared byte count is polled, in ms.
   * @default 100
   */
  readonly progressInterval?: number | undefined;
  /** Aborts the backup: the workers are stopped and partial files removed. */
  readonly signal?: AbortSignal | undefined;
}

/** What {@link backup} did. */
export interface BackupSummary {
  /** The source directory, resolved. */
  readonly source: string;
  /** The destination directory, resolved. */
  readonly destination: string;
  /** Regular files copied. */
  readonly files: number;
  /** Bytes copied. */
  readonly bytes: number;
  /** Directories under the source (not counting itself), each created or kept. */
  readonly directories: number;
  /** Symbolic links copied as links. */
  readonly symlinks: number;
  /** Paths (relative to the source) of entries that are not copied: sockets, FIFOs, devices. */
  readonly skipped: readonly string[];
  /** Files whose copy has the SHA-256 of its source. */
  readonly verified: number;
  /** Paths (relative to the source) of files whose copy does not: none, normally. */
  readonly mismatches: readonly string[];
}

function abortedError(source: string, signal: AbortSignal | undefined): BackupError {
  return new BackupError('ERR_ABORTED', `The backup of \`${source}\` was aborted`, {
    cause: signal?.reason,
  });
}

/** Fails with the errors of the files that could not be copied. */
function copyFailed(failures: readonly unknown[]): BackupError {
  const messages = failures.map((error) =>
    error instanceof Error ? error.message : String(error),
  );
  const shown = messages
    .slice(0, 5)
    .map((message) => `\n  ${message}`)
    .join('');
  const more = messages.length > 5 ? `\n  ... and ${messages.length - 5} more` : '';
  return new BackupError(
    'ERR_COPY_FAILED',
    `${failures.length} file(s) could not be copied:${shown}${more}`,
    { cause: failures[0] },
  );
}

/**
 * Copies the directory tree `src` to `dest` with a pool of worker processes, one task per
 * file, then compares the SHA-256 of every file with its copy's.
 *
 * - Directories (empty ones too), regular files and symlinks are copied; sockets, FIFOs and
 *   devices are skipped (and listed in the summary). Symlinks are copied as links, with the
 *   same target text: they are never followed, so nothing outside the tree is copied.
 * - Modes and modification times are preserved (directories' once their files are in).
 * - Each file is streamed to a temporary name in its directory, flushed to disk and then
 *   renamed: an interrupted backup leaves complete files or none, never a half-written one.
 * - An existing destination is never overwritten silently: one that is not an empty
 *   directory is refused with `ERR_DEST_EXISTS` before anything is written, unless `force`.
 *
 * @returns What was copied and verified; mismatches are reported, not thrown.
 * @throws {BackupError} `ERR_BAD_SOURCE`, `ERR_BAD_DEST` or `ERR_DEST_EXISTS` before
 * anything is written; `ERR_COPY_FAILED` (after every other file was copied) when some files
 * could not be; `ERR_ABORTED` when `signal` aborts it.
 * @example
 * ```ts
 * const summary = await backup({ src: 'photos', onProgress: (p) => console.log(p.bytes) });
 * // { files: 1000, bytes: 52428800, directories: 12, symlinks: 1, verified: 1000, mismatches: [] ... }
 * ```
 */
export async function backup(options: BackupOptions): Promise<BackupSummary> {
  const source = resolve(options.src);
  const destination =
    options.dest === undefined ? defaultDestination(source) : resolve(options.dest);
  const workers = parseWorkers(options.workers);
  const { onProgress, signal } = options;
  const interval = options.progressInterval ?? 100;
  if (signal?.aborted === true) throw abortedError(source, signal);

  const { rootInfo } = await check(source, destination, options.force === true);
  const tree = await scan(source, rootInfo);
  const totalBytes = tree.files.reduce((sum, file) => sum + file.size, 0);
  const totalFiles = tree.files.length;

  // Directories first (the files and links go into them), parents before children.
  await mkdir(destination, { recursive: true });
  for (const dir of tree.directories) await mkdir(join(destination, dir.rel), { recursive: true });

  // Temporary names carry this run's id and the entry's index: unique, short whatever the
  // file's name, and known here, so that an aborted run can remove them.
  const run = randomBytes(4).toString('hex');
  const tempOf = (rel: string, index: number, kind: 'f' | 'l'): string =>
    join(destination, dirname(rel), `.multitask-${run}-${kind}${index}.partial`);

  for (const [index, link] of tree.symlinks.entries()) {
    const target = join(destination, link.rel);
    const temp = tempOf(link.rel, index, 'l');
    await symlink(await readlink(join(source, link.rel)), temp);
    await lutimes(temp, link.atimeMs / 1000, link.mtimeMs / 1000);
    await rename(temp, target);
  }

  const jobs: CopyJob[] = tree.files.map((file, index) => ({
    source: join(source, file.rel),
    target: join(destination, file.rel),
    temp: tempOf(file.rel, index, 'f'),
    mode: file.mode,
    atimeMs: file.atimeMs,
    mtimeMs: file.mtimeMs,
  }));

  const counter = onProgress === undefined ? null : new Value('d', 0);
  const pool = new Pool({
    processes: workers,
    initializer: tasks.setByteCounter,
    initargs: [counter],
  });
  let terminated: Promise<void> | null = null;
  const stop = (): Promise<void> => (terminated ??= pool.terminate());
  const abort = (): void => {
    void stop();
  };
  const aborted = (): boolean => signal?.aborted === true;
  signal?.addEventListener('abort', abort);
  let timer: NodeJS.Timeout | undefined;
  try {
    // Progress: the bytes the workers added to the counter, plus the rest of each finished
    // file, which came back with its result. Both only grow, so the sum never decreases.
    let rest = 0;
    let filesDone = 0;
    let bytes = 0;
    let lastBytes = -1;
    let lastFiles = -1;
    const report = (): void => {
      if (onProgress === undefined || counter === null) return;
      const now = counter.value + rest;
      // A file whose bytes the counter already holds still counts once its result is in.
      if (now === lastBytes && filesDone === lastFiles) return;
      lastBytes = now;
      lastFiles = filesDone;
      onProgress({ phase: 'copy', bytes: now, totalBytes, files: filesDone, totalFiles });
    };
    const failures: unknown[] = [];
    const results = pool.imapUnordered(tasks.copyFile, jobs, { chunksize: 1 });
    // After the tasks are submitted: an abort from this callback then fails them all.
    if (onProgress !== undefined) {
      lastBytes = 0;
      lastFiles = 0;
      onProgress({ phase: 'copy', bytes: 0, totalBytes, files: 0, totalFiles });
      timer = setInterval(report, interval);
    }
    for (;;) {
      try {
        const next = await results.next();
        if (next.done === true) break;
        filesDone++;
        bytes += next.value.bytes;
        rest += next.value.bytes - next.value.counted;
        report();
      } catch (error) {
        failures.push(error);
      }
    }
    clearInterval(timer);
    if (aborted() || failures.length > 0) {
      // Stop the workers before removing what they may still be writing.
      await stop();
      await Promise.all(jobs.map((job) => rm(job.temp, { force: true })));
      if (aborted()) throw abortedError(source, signal);
      throw copyFailed(failures);
    }

    // Directories last, deepest first: adding their entries changed their times.
    const byDepth = [...tree.directories].sort(
      (a, b) => b.rel.split(sep).length - a.rel.split(sep).length,
    );
    for (const dir of [...byDepth, tree.root]) {
      const path = join(destination, dir.rel);
      await chmod(path, dir.mode & 0o7777);
      await utimes(path, dir.atimeMs / 1000, dir.mtimeMs / 1000);
    }

    const { verified, mismatches } = await verifyFiles(
      pool,
      tree.files.map((file) => file.rel),
      tree.files.map((file) => file.size),
      source,
      destination,
      onProgress,
    );
    if (aborted()) throw abortedError(source, signal);
    return {
      source,
      destination,
      files: jobs.length,
      bytes,
      directories: tree.directories.length,
      symlinks: tree.symlinks.length,
      skipped: tree.skipped,
      verified,
      mismatches,
    };
  } catch (error) {
    // Tasks cut short by the abort fail with the pool's own error: report the abort instead.
    if (aborted() && !(error instanceof BackupError)) throw abortedError(source, signal);
    throw error;
  } finally {
    clearInterval(timer);
    signal?.removeEventListener('abort', abort);
    await stop();
  }
}
