/**
 * `multitask backup SRC [DEST]` and `multitask copy SRC DEST`: the backup and the parallel
 * block copy on the command line, with a progress display.
 */
import {
  Command,
  integer,
  onRun,
  runSubprogram,
  type CommandIO,
} from '../../internal/command-line.ts';
import { showOwnStats } from '../../diagnostics/top.ts';
import { formatBytes, formatCount, Progress, type ProgressStream } from '../progress.ts';
import { backup } from './backup.ts';
import { blockCopy } from './block-copy.ts';
import { BackupError } from './errors.ts';
import { defaultDestination } from './tree.ts';

/** The exit code of a refused destination: distinct so that scripts can tell it apart. */
export const EXIT_DEST_EXISTS = 3;

const count = new Intl.NumberFormat('en-US');

/** The options of `multitask backup`, parsed. */
export interface BackupFlags {
  readonly force: boolean;
  readonly workers?: number | undefined;
  /** Show the live view of the pool (stderr) instead of the progress bars. */
  readonly top?: boolean | undefined;
}

/** The options of `multitask copy`, parsed. */
export interface CopyFlags {
  readonly threads?: number | undefined;
  readonly blockSize?: number | undefined;
  readonly force: boolean;
}

/**
 * The `backup` command: its arguments, options and help; its action runs {@link runBackup}.
 * @param progress Where the progress is shown (see {@link Progress}).
 */
export function backupProgram(io: CommandIO, progress: ProgressStream | null): Command {
  const command = new Command('backup')
    .summary('copy a directory tree with a process pool, then verify every copy')
    .description(
      'Copies the directory tree SRC to DEST (default: SRC-backup) with a pool of worker ' +
        'processes, one task per file, showing the bytes copied; then compares every ' +
        "file's SHA-256 with its copy's.",
    )
    .argument('<SRC>', 'the directory to copy')
    .argument('[DEST]', 'where to copy it (default: SRC-backup)')
    .option(
      '--force',
      'copy into DEST even if it is not empty, replacing files of the same names',
      false,
    )
    .option('--workers <N>', 'worker processes (default: the number of CPUs)', integer(1, 1024))
    .option('--top', "show the pool's workers and tasks live (on stderr) instead of progress bars")
    .addHelpText(
      'after',
      `
Exit codes: 0 copied and verified; 1 some files could not be copied, or checksums differ;
2 bad arguments (SRC is not a directory, DEST overlaps it); 3 DEST exists and is not
empty (nothing was written). Ctrl-C stops the workers and removes the partial files
(exit code 130).`,
    );
  return onRun(command, (self) => {
    const [src, dest] = self.processedArgs as [string, string | undefined];
    return runBackup(src, dest, self.opts<BackupFlags>(), io, progress);
  });
}

/**
 * The `copy` command: its arguments, options and help; its action runs {@link runCopy}.
 * @param progress Where the progress is shown (see {@link Progress}).
 */
export function copyProgram(io: CommandIO, progress: ProgressStream | null): Command {
  const command = new Command('copy')
    .summary('copy one large file with several threads, a block each')
    .description(
      'Copies the file SRC to DEST with several threads, each copying blocks of it into ' +
        "DEST at their offsets; then compares the two files' SHA-256.",
    )
    .argument('<SRC>', 'the file to copy')
    .argument('<DEST>', "the copy's file name")
    .option('--threads <N>', 'threads (default: 4)', integer(1, 1024))
    .option(
      '--block-size <BYTES>',
      'bytes per block, with suffixes K, M, G (powers of 1024) accepted: 8M (default: the size divided by the threads)',
      integer(1, Number.MAX_SAFE_INTEGER, { suffixes: true }),
    )
    .option('--force', 'replace DEST if it exists', false)
    .addHelpText(
      'after',
      `
Exit codes: 0 copied and identical; 1 the copy failed or checksums differ, or DEST cannot
be written (a directory, a missing or read-only directory); 2 bad arguments (SRC is not a
regular file, DEST is SRC); 3 DEST exists (nothing was written). Ctrl-C stops the threads
and removes the partial copy (exit code 130).`,
    );
  return onRun(command, (self) => {
    const [source, target] = self.processedArgs as [string, string];
    return runCopy(source, target, self.opts<CopyFlags>(), io, progress);
  });
}

/** Reports a failure of a run in one line; returns its exit code. */
function failed(error: unknown, err: (line: string) => void): number {
  if (error instanceof BackupError) {
    err(error.message);
    if (error.code === 'ERR_DEST_EXISTS') return EXIT_DEST_EXISTS;
    // As a shell reports a program that SIGINT ended: 128 + 2.
    if (error.code === 'ERR_ABORTED') return 130;
    return error.code === 'ERR_BAD_SOURCE' || error.code === 'ERR_BAD_DEST' ? 2 : 1;
  }
  // A file the system refused (EACCES, ENOSPC, ...): its one line, not a stack.
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string') {
    err(error.message);
    return 1;
  }
  throw error;
}

/** Runs `body` with an AbortSignal that Ctrl-C aborts. */
async function interruptible<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const interrupt = (): void => {
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', interrupt);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', interrupt);
  }
}

/**
 * Runs `multitask backup ...` with `argv` (the words after `backup`); returns the exit code.
 * @param progress Where the progress is shown: a bar redrawn in place on a terminal, a line
 * per tenth otherwise.
 */
export function backupCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  progress: ProgressStream | null = process.stderr,
): Promise<number> {
  return runSubprogram(() => backupProgram({ out, err }, progress), argv, { out, err });
}

/** The backup of `src` to `dest` with the parsed `flags`; returns the exit code. */
export async function runBackup(
  src: string,
  dest: string | undefined,
  flags: BackupFlags,
  { out, err }: CommandIO,
  progress: ProgressStream | null,
): Promise<number> {
  const top = flags.top === true ? showOwnStats(process.stderr, err) : null;
  const bars = top === null ? progress : null;
  const copying = new Progress(bars, { label: 'Copying  ', unit: 'bytes' });
  const verifying = new Progress(bars, { label: 'Verifying', unit: 'bytes' });
  let announced = false;
  try {
    const summary = await interruptible((signal) =>
      backup({
        src,
        dest,
        force: flags.force,
        workers: flags.workers,
        signal,
        onProgress: (p) => {
          // Once the destination was accepted and the tree scanned: a refusal prints only itself.
          if (!announced) {
            announced = true;
            out(
              `Backing up ${src} to ${dest ?? defaultDestination(src)}: ${formatCount(p.totalFiles, 'file')}, ${formatBytes(p.totalBytes)}`,
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
      }),
    );
    copying.finish();
    verifying.finish();
    const skipped =
      summary.skipped.length === 0
        ? ''
        : `, ${summary.skipped.length} skipped (not a file, directory or link)`;
    out(
      `Copied ${formatCount(summary.files, 'file')} (${formatBytes(summary.bytes)}), ${formatCount(summary.directories, 'directory', 'directories')} and ${formatCount(summary.symlinks, 'symlink')} to ${summary.destination}${skipped}`,
    );
    for (const path of summary.skipped) out(`  skipped: ${path}`);
    if (summary.mismatches.length > 0) {
      err(`Checksums differ for ${formatCount(summary.mismatches.length, 'file')}:`);
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
    await top?.stop();
  }
}

/**
 * Runs `multitask copy ...` with `argv` (the words after `copy`); returns the exit code.
 * @param progress Where the progress is shown.
 */
export function copyCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  progress: ProgressStream | null = process.stderr,
): Promise<number> {
  return runSubprogram(() => copyProgram({ out, err }, progress), argv, { out, err });
}

/** The block copy of `source` to `target` with the parsed `flags`; returns the exit code. */
export async function runCopy(
  source: string,
  target: string,
  flags: CopyFlags,
  { out, err }: CommandIO,
  progress: ProgressStream | null,
): Promise<number> {
  const bar = new Progress(progress, { label: 'Copying', unit: 'bytes' });
  try {
    const summary = await interruptible((signal) =>
      blockCopy({
        source,
        target,
        threads: flags.threads,
        blockSize: flags.blockSize,
        force: flags.force,
        signal,
        onProgress: (bytes, total) => {
          bar.update(bytes, total);
        },
      }),
    );
    bar.finish();
    out(
      summary.blocks === 0
        ? `Copied ${source} to ${target}: an empty file`
        : `Copied ${source} to ${target}: ${formatBytes(summary.bytes)} in ${formatCount(summary.blocks, 'block')} of ${formatBytes(summary.blockSize)} by ${formatCount(summary.threads, 'thread')}`,
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
  }
}
