#!/usr/bin/env node
/**
 * The `multitask` command: runs the main job and the course's programs. Every program is a
 * commander command declared beside its run logic (src/examples/NAME/cli.ts,
 * src/distributed/worker-cli.ts, ./demo.ts); this file puts them under one program, so that
 * `--help`, `--version`, bad flags and exit codes behave the same at every level
 * (src/internal/command-line.ts).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, runProgram, type CommandIO } from '../internal/command-line.ts';
import { backupProgram, copyProgram } from '../examples/backup/cli.ts';
import { chatProgram } from '../examples/chat/cli.ts';
import { filesProgram } from '../examples/files/cli.ts';
import { httpProgram } from '../examples/http/cli.ts';
import { primesProgram } from '../examples/primes/cli.ts';
import type { ProgressStream } from '../examples/progress.ts';
import { workerProgram } from '../distributed/worker-cli.ts';
import { demoProgram } from './demo.ts';
import { topProgram } from './top.ts';

/** The package's version, from its package.json (two levels up from src/cli and dist/cli). */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * The whole command: every program under `multitask`.
 * @param progress Where the programs show their progress (`process.stderr`; null: nowhere).
 */
export function buildProgram(io: CommandIO, progress: ProgressStream | null): Command {
  return new Command('multitask')
    .description(
      "Python's threading, multiprocessing, queue and concurrent.futures for Node.js: the " +
        "main job (primes) and the course's programs.",
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .addHelpText('after', '\nEvery command takes --help for its own arguments and options.')
    .addCommand(primesProgram(io, progress))
    .addCommand(demoProgram(io))
    .addCommand(backupProgram(io, progress))
    .addCommand(copyProgram(io, progress))
    .addCommand(chatProgram(io))
    .addCommand(filesProgram(io))
    .addCommand(httpProgram(io))
    .addCommand(workerProgram(io))
    .addCommand(topProgram(io));
}

/**
 * Runs the CLI with `argv` (without node and the script); returns the exit code: the
 * program's, 0 after `--help` or `--version`, 2 for bad arguments.
 */
export function run(
  argv: readonly string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
  progress: ProgressStream | null = process.stderr,
): Promise<number> {
  return runProgram(buildProgram({ out, err }, progress), argv, { out, err });
}

// Run when executed directly (`npm start`); bin/multitask.js imports run() instead.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exitCode = 1;
    },
  );
}
