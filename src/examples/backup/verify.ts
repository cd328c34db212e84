/**
 * Verifying a backup: every regular file and its copy hashed (SHA-256) in a process pool, at
 * the end of {@link backup} or on its own for an older backup.
 */
import { join, resolve } from 'node:path';
import { Pool, taskModule } from '../../index.ts';
import type { BackupProgress } from './backup.ts';
import { BackupError } from './errors.ts';
import type { HashJob } from './tasks.ts';
import { defaultDestination, parseWorkers, scan, statOrNull } from './tree.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Hashes every file and its copy in the pool; returns the counts. */
export async function verifyFiles(
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
