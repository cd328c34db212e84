/**
 * `multitask backup SRC [DEST]` and `multitask copy SRC DEST`: the backup and the parallel
 * block copy on the command line, with a progress bar.
 */
import { parseArgs } from 'node:util';
import { backup } from './backup.ts';
import { blockCopy } from './block-copy.ts';
import { BackupError } from './errors.ts';
import { formatBytes, ProgressBar, type ProgressStream } from './progress.ts';
import { defaultDestination } from './tree.ts';

export const BACKUP_USAGE = `Usage: multitask backup SRC [DEST] [--force] [--workers N]

Copies the directory tree SRC to DEST (default: SRC-backup) with a pool of worker processes,
one task per file, showing the bytes copied; then compares every file's SHA-256 with its copy's.

Options:
  --force        Copy into DEST even if it is not empty, replacing files of the same names.
  --workers N    Worker processes (default: the number of CPUs).
  -h, --help     Show this help.

Exit codes: 0 copied and verified; 1 some files could not be copied, or checksums differ;
2 bad arguments (SRC is not a directory, DEST overlaps it); 3 DEST exists and is not
empty (nothing was written). Ctrl-C stops the workers and removes the partial files
(exit code 130).`;

export const COPY_USAGE = `Usage: multitask copy SRC DEST [--threads N] [--block-size BYTES] [--force]

Copies the file SRC to DEST with several threads, each copying blocks of it into DEST at
their offsets; then compares the two files' SHA-256.

Options:
  --threads N           Threads (default: 4).
  --block-size BYTES    Bytes per block (default: the size divided by the threads).
                        Suffixes K, M, G (powers of 1024) are accepted: 8M.
  --force               Replace DEST if it exists.
  -h, --help            Show this help.

Exit codes: 0 copied and identical; 1 the copy failed or checksums differ; 2 bad arguments
(SRC is not a regular file, DEST is SRC); 3 DEST exists (nothing was written). Ctrl-C
stops the threads and removes the partial copy (exit code 130).`;

/** The exit code of a refused destination: distinct so that scripts can tell it apart. */
export const EXIT_DEST_EXISTS = 3;

class UsageError extends Error {}

const count = new Intl.NumberFormat('en-US');

/** `1 file`, `2 files`, `1,000 files`. */
function plural(n: number, one: string, many = `${one}s`): string {
  return `${count.format(n)} ${n === 1 ? one : many}`;
}

function integerOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+)([KMG]?)$/i.exec(raw.replaceAll('_', ''));
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
  const value =
    match === null
      ? Number.NaN
      : Number(match[1]) * scale[(match[2] ?? '').toUpperCase() as keyof typeof scale];
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`Expected --${name} to be an integer from 1 and up, got \`${raw}\``);
  }
  return value;
}

/** Runs `parseArgs`, turning its errors (an unknown option, a missing value) into usage errors. */
function parsing<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Reports a failure of a run; returns its exit code. */
function failed(error: unknown, err: (line: string) => void): number {
  if (error instanceof BackupError) {
    err(error.message);
    if (error.code === 'ERR_DEST_EXISTS') return EXIT_DEST_EXISTS;
    // As a shell reports a program that SIGINT ended: 128 + 2.
    if (error.code === 'ERR_ABORTED') return 130;
    return error.code === 'ERR_BAD_SOURCE' || error.code === 'ERR_BAD_DEST' ? 2 : 1;
  }
  throw error;
}

/**
 * Runs `multitask backup ...` with `argv` (the words after `backup`); returns the exit code.
 * @param progress Where the progress bar is drawn: redrawn in place on a terminal, a line
 * per tenth otherwise.
 */
export async function backupCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  progress: ProgressStream = process.stdout,
): Promise<number> {
  let src: string;
  let dest: string | undefined;
  let force: boolean;
  let workers: number | undefined;
  try {
    const { values, positionals } = parsing(() =>
      parseArgs({
        args: [...argv],
        options: {
          force: { type: 'boolean' },
          workers: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
        strict: true,
      }),
    );
    if (values.help === true) {
      out(BACKUP_USAGE);
      return 0;
    }
    if (positionals.length < 1 || positionals.length > 2 || positionals[0] === undefined) {
      throw new UsageError(`Expected SRC and optionally DEST, got ${positionals.length} arguments`);
    }
    [src, dest] = positionals as [string, string | undefined];
    force = values.force === true;
    workers = integerOption('workers', values.workers);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n\n${BACKUP_USAGE}`);
    return 2;
  }

  const controller = new AbortController();
  const interrupt = (): void => {
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', interrupt);
  const copying = new ProgressBar(progress, { label: 'Copying  ' });
  const verifying = new ProgressBar(progress, { label: 'Verifying' });
  let announced = false;
  try {
    const summary = await backup({
      src,
      dest,
      force,
      workers,
      signal: controller.signal,
      onProgress: (p) => {
        // Once the destination was accepted and the tree scanned: a refusal prints only itself.
        if (!announced) {
          announced = true;
          out(
            `Backing up ${src} to ${dest ?? defaultDestination(src)}: ${plural(p.totalFiles, 'file')}, ${formatBytes(p.totalBytes)}`,
          );
        }
        const bar = p.phase === 'copy' ? copying : verifying;
        if (p.phase === 'verify') copying.finish();
        bar.update(
          p.bytes,
          p.totalBytes,
          `${count.format(p.files)}/${count.format(p.totalFiles)} files`,
        );
      },
    });
    copying.finish();
    verifying.finish();
    const skipped =
      summary.skipped.length === 0
        ? ''
        : `, ${summary.skipped.length} skipped (not a file, directory or link)`;
    out(
      `Copied ${plural(summary.files, 'file')} (${formatBytes(summary.bytes)}), ${plural(summary.directories, 'directory', 'directories')} and ${plural(summary.symlinks, 'symlink')} to ${summary.destination}${skipped}`,
    );
    for (const path of summary.skipped) out(`  skipped: ${path}`);
    if (summary.mismatches.length > 0) {
      err(`Checksums differ for ${summary.mismatches.length} file(s):`);
      for (const path of summary.mismatches) err(`  ${path}`);
      return 1;
    }
    out(
      summary.verified === 1
        ? 'Verified: the SHA-256 of the copy matches its source.'
        : `Verified: the SHA-256 of all ${count.format(summary.verified)} copies match their sources.`,
    );
    return 0;
  } catch (error) {
    copying.finish();
    verifying.finish();
    return failed(error, err);
  } finally {
    process.off('SIGINT', interrupt);
  }
}

/**
 * Runs `multitask copy ...` with `argv` (the words after `copy`); returns the exit code.
 * @param progress Where the progress bar is drawn.
 */
export async function copyCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  progress: ProgressStream = process.stdout,
): Promise<number> {
  let source: string;
  let target: string;
  let options: { threads?: number | undefined; blockSize?: number | undefined; force: boolean };
  try {
    const { values, positionals } = parsing(() =>
      parseArgs({
        args: [...argv],
        options: {
          threads: { type: 'string' },
          'block-size': { type: 'string' },
          force: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
        strict: true,
      }),
    );
    if (values.help === true) {
      out(COPY_USAGE);
      return 0;
    }
    if (positionals.length !== 2) {
      throw new UsageError(`Expected SRC and DEST, got ${positionals.length} arguments`);
    }
    [source, target] = positionals as [string, string];
    options = {
      threads: integerOption('threads', values.threads),
      blockSize: integerOption('block-size', values['block-size']),
      force: values.force === true,
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n\n${COPY_USAGE}`);
    return 2;
  }
  const controller = new AbortController();
  const interrupt = (): void => {
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', interrupt);
  const bar = new ProgressBar(progress, { label: 'Copying' });
  try {
    const summary = await blockCopy({
      source,
      target,
      ...options,
      signal: controller.signal,
      onProgress: (bytes, total) => {
        bar.update(bytes, total);
      },
    });
    bar.finish();
    out(
      summary.blocks === 0
        ? `Copied ${source} to ${target}: an empty file`
        : `Copied ${source} to ${target}: ${formatBytes(summary.bytes)} in ${plural(summary.blocks, 'block')} of ${formatBytes(summary.blockSize)} by ${plural(summary.threads, 'thread')}`,
    );
    if (!summary.identical) {
      err('The copy differs from the source: their SHA-256 do not match.');
      return 1;
    }
    out(`Identical: SHA-256 ${summary.sha256}`);
    return 0;
  } catch (error) {
    bar.finish();
    return failed(error, err);
  } finally {
    process.off('SIGINT', interrupt);
  }
}
