#!/usr/bin/env node
/**
 * The `multitask` command: runs the main job and the course's programs.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { backupCommand, copyCommand } from '../examples/backup/cli.ts';
import { main as balance } from '../examples/balance/main.ts';
import { main as bank } from '../examples/bank/main.ts';
import { main as event } from '../examples/event/main.ts';
import { main as gevent } from '../examples/gevent/main.ts';
import { main as greenlet } from '../examples/greenlet/main.ts';
import { main as local } from '../examples/local/main.ts';
import { main as managerDemo } from '../examples/manager/main.ts';
import { main as poolCopy } from '../examples/pool-copy/main.ts';
import { main as producerConsumer } from '../examples/producer-consumer/main.ts';
import { main as subprocessDemo } from '../examples/subprocess/main.ts';
import { main as tickets } from '../examples/tickets/main.ts';
import { chatCommand } from '../examples/chat/cli.ts';
import { filesCommand } from '../examples/files/cli.ts';
import { httpCommand } from '../examples/http/cli.ts';
import { DEFAULT_N, main as primes } from '../examples/primes/main.ts';
import { workerCommand } from '../distributed/worker-cli.ts';

type Write = (line: string) => void;

/**
 * The course's programs with their own arguments, by command name: each returns its exit
 * code, and prints its own usage with `--help`.
 */
const PROGRAMS: Record<
  string,
  (argv: readonly string[], out: Write, err: Write) => Promise<number>
> = {
  backup: (argv, out, err) => backupCommand(argv, out, err),
  chat: chatCommand,
  copy: (argv, out, err) => copyCommand(argv, out, err),
  files: filesCommand,
  http: httpCommand,
  worker: (argv, out, err) => workerCommand(argv, out, err),
};

/** The course's demos, by name: each prints its own report. */
const DEMOS: Record<string, (write: (line: string) => void) => Promise<unknown>> = {
  balance: (write) => balance(write),
  bank: (write) => bank(write),
  event: (write) => event(write),
  gevent: (write) => gevent(write),
  greenlet: (write) => greenlet(write),
  local: (write) => local(write),
  manager: (write) => managerDemo(write),
  'pool-copy': (write) => poolCopy(write),
  primes: (write) => primes(DEFAULT_N, write),
  'producer-consumer': (write) => producerConsumer(write),
  subprocess: (write) => subprocessDemo(write),
  tickets: (write) => tickets(write),
};

const USAGE = `Usage: multitask <command> [options]

Commands:
  primes [--n N]   Sum the primes below N serially, with 4 and 10 threads, with
                   4 and 10 processes, and with a ThreadPool and a Pool over 64
                   chunks, and print the times and speedups (default N: ${DEFAULT_N}).
  demo NAME        Run one of the course's demos: ${Object.keys(DEMOS).join(', ')}.
  backup SRC [DEST] [--force] [--workers N]
                   Copy a directory tree with a process pool, showing the bytes
                   copied, then verify every file's SHA-256 (DEST: SRC-backup).
  copy SRC DEST [--threads N] [--block-size BYTES] [--force]
                   Copy one large file with several threads, a block each.
  chat server      Run the UDP chat room; console lines are announced to all.
  chat client --name NAME
                   Join the chat room; ## or Ctrl-C leaves.
  files server DIR [--model process|thread|event]
  files client     Serve DIR's files to many clients at once (a process, a thread or
                   the event loop per client; idle clients dropped, clients and
                   processes capped), or connect to such a server.
  http DIR [--model event|process] [--gzip]
                   Serve DIR over HTTP/1.1 (node:http) from one event loop or N
                   processes; --workers N renders the /dyn/ pages on a ThreadPool of
                   N threads. Ctrl-C or SIGTERM stops gracefully.
  worker --redis URL --queue NAME --module PATH [--concurrency N] [--backend thread|process]
                   Serve a DistributedExecutor's queue: run its jobs on a local pool.

Every program takes --help for its own options.

Options:
  -h, --help       Show this help.`;

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function run(
  argv: readonly string[],
  out = console.log,
  err = console.error,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  switch (command) {
    case 'primes': {
      const { values } = parseArgs({
        args: rest,
        options: { n: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        strict: true,
      });
      if (values.help === true) {
        out(USAGE);
        return 0;
      }
      const n = values.n === undefined ? DEFAULT_N : Number(values.n.replaceAll('_', ''));
      if (!Number.isSafeInteger(n) || n < 2) {
        err(`Expected --n to be an integer from 2 and up, got \`${values.n ?? ''}\``);
        return 2;
      }
      await primes(n, out, out === console.log ? process.stdout : null);
      return 0;
    }
    case 'demo': {
      const [name] = rest;
      const demo = name === undefined || !Object.hasOwn(DEMOS, name) ? undefined : DEMOS[name];
      if (demo === undefined) {
        err(
          `Expected a demo name (${Object.keys(DEMOS).join(', ')}), got \`${name ?? ''}\`.\n\n${USAGE}`,
        );
        return 2;
      }
      await demo(out);
      return 0;
    }
    default: {
      const program = Object.hasOwn(PROGRAMS, command) ? PROGRAMS[command] : undefined;
      if (program !== undefined) return program(rest, out, err);
      err(`Unknown command \`${command}\`.\n\n${USAGE}`);
      return 2;
    }
  }
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
