/**
 * `backup()`: copies a directory tree with a process pool, one task per file, then verifies
 * every copy by its SHA-256, computed in the pool too.
 *
 * The parent scans the tree, creates the directories and the symlinks (cheap, and in an order
 * that matters), and hands every regular file to the pool. The workers add the bytes they copy
 * to a shared `Value('d')` that the parent polls for the progress it reports.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import {
  chmod,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  utimes,
} from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { cpuCount, Pool, taskModule, Value } from '../../index.ts';
import { BackupError } from './errors.ts';
import type { CopyJob, HashJob } from './tasks.ts';

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

/** An entry of the source tree, as scanned. */
interface Entry {
  /** The path relative to the source root ('' for the root). */
  readonly rel: string;
  readonly size: number;
  readonly mode: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
}

interface Tree {
  readonly root: Entry;
  readonly directories: Entry[];
  readonly files: Entry[];
  readonly symlinks: Entry[];
  readonly skipped: string[];
}

function entryOf(rel: string, info: Stats): Entry {
  return {
    rel,
    size: info.size,
    mode: info.mode,
    atimeMs: info.atimeMs,
    mtimeMs: info.mtimeMs,
  };
}

/** Lists the tree under `root` without following symlinks, in a stable (sorted) order. */
async function scan(root: string, rootInfo: Stats): Promise<Tree> {
  const tree: Tree = {
    root: entryOf('', rootInfo),
    directories: [],
    files: [],
    symlinks: [],
    skipped: [],
  };
  const pending = [''];
  for (let rel = pending.pop(); rel !== undefined; rel = pending.pop()) {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel === '' ? name : join(rel, name);
      const info = await lstat(join(root, path));
      if (info.isDirectory()) {
        tree.directories.push(entryOf(path, info));
        pending.push(path);
      } else if (info.isFile()) tree.files.push(entryOf(path, info));
      else if (info.isSymbolicLink()) tree.symlinks.push(entryOf(path, info));
      else tree.skipped.push(path);
    }
  }
  return tree;
}

/** The destination a backup of `src` goes to by default: `SRC-backup`, beside it. */
export function defaultDestination(src: string): string {
  return `${resolve(src)}-backup`;
}

/** True when `inner` is `outer` or a path inside it. */
function within(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Checks the source and the destination before anything is written. */
async function check(
  source: string,
  destination: string,
  force: boolean,
): Promise<{ rootInfo: Stats }> {
  const rootInfo = await statOrNull(source);
  if (rootInfo === null) {
    throw new BackupError(
      'ERR_BAD_SOURCE',
      `Expected a directory to back up, got \`${source}\`, which does not exist`,
    );
  }
  if (!rootInfo.isDirectory()) {
    throw new BackupError(
      'ERR_BAD_SOURCE',
      `Expected a directory to back up, got \`${source}\`, which is not a directory`,
    );
  }
  const realSource = await realpath(source);
  const destInfo = await statOrNull(destination);
  const realDest = destInfo === null ? destination : await realpath(destination);
  for (const from of [source, realSource]) {
    for (const to of [destination, realDest]) {
      if (within(from, to) || within(to, from)) {
        throw new BackupError(
          'ERR_BAD_DEST',
          `The destination \`${destination}\` and the source \`${source}\` overlap: a backup must go outside the tree it copies`,
        );
      }
    }
  }
  if (destInfo === null) return { rootInfo };
  if (!destInfo.isDirectory()) {
    throw new BackupError(
      'ERR_BAD_DEST',
      `The destination \`${destination}\` exists and is not a directory`,
    );
  }
  if (!force && (await readdir(destination)).length > 0) {
    throw new BackupError(
      'ERR_DEST_EXISTS',
      `The destination \`${destination}\` exists and is not empty: refusing to overwrite it (use --force to copy into it, replacing files of the same names)`,
    );
  }
  return { rootInfo };
}

function parseWorkers(workers: unknown): number {
  if (workers === undefined) return cpuCount();
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1) {
    throw new RangeError(
      `Expected \`workers\` to be an integer from 1 and up, got \`${typeof workers === 'number' ? workers : typeof workers}\``,
    );
  }
  return workers;
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

/** Hashes every file and its copy in the pool; returns the counts. */
async function verifyFiles(
  pool: Pool,
  paths: readonly string[],
  sizes: readonly number[],
  source: string,
  destination: string,
  onProgress: ((progress: BackupProgress) => void) | undefined,
): Promise<{ verified: number; mismatches: string[] }> {
  const jobs: HashJob[] = paths.map((rel, index) => ({
    index,
    source: join(source, rel),
    target: join(destination, rel),
  }));
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  const mismatched = new Set<number>();
  let files = 0;
  let bytes = 0;
  onProgress?.({ phase: 'verify', bytes, totalBytes, files, totalFiles: paths.length });
  for await (const result of pool.imapUnordered(tasks.hashPair, jobs, { chunksize: 1 })) {
    if (result.target !== result.source) mismatched.add(result.index);
    files++;
    bytes += sizes[result.index] ?? 0;
    onProgress?.({ phase: 'verify', bytes, totalBytes, files, totalFiles: paths.length });
  }
  return {
    verified: paths.length - mismatched.size,
    mismatches: [...mismatched].sort((a, b) => a - b).map((index) => paths[index] ?? ''),
  };
}

/** Options of {@link verifyBackup}. */
export interface VerifyOptions {
  readonly src: string;
  /** @default `${src}-backup` */
  readonly dest?: string | undefined;
  /** @default cpuCount() */
  readonly workers?: number | undefined;
}

/**
 * Compares every regular file under `src` with its copy under `dest` by SHA-256, in a process
 * pool: what {@link backup} does at its end, on its own (to check an older backup).
 * @returns The files whose copy matches, and the paths of those whose copy differs or is
 * missing.
 * @throws {BackupError} `ERR_BAD_SOURCE` when `src` is not a directory.
 */
export async function verifyBackup(
  options: VerifyOptions,
): Promise<{ verified: number; mismatches: string[] }> {
  const source = resolve(options.src);
  const destination =
    options.dest === undefined ? defaultDestination(source) : resolve(options.dest);
  const info = await statOrNull(source);
  if (info?.isDirectory() !== true) {
    throw new BackupError('ERR_BAD_SOURCE', `Expected a directory to verify, got \`${source}\``);
  }
  const tree = await scan(source, info);
  const pool = new Pool({ processes: parseWorkers(options.workers) });
  try {
    return await verifyFiles(
      pool,
      tree.files.map((file) => file.rel),
      tree.files.map((file) => file.size),
      source,
      destination,
      undefined,
    );
  } finally {
    await pool.terminate();
  }
}
