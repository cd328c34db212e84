/**
 * `multitask files server DIR` and `multitask files client`: the file server and its
 * interactive client on the command line.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  Command,
  integer,
  onRun,
  Option,
  requireSubcommand,
  runSubprogram,
  type CommandIO,
} from '../../internal/command-line.ts';
import { FileClient } from './client.ts';
import { ConnectionClosedError, FileServerError } from './protocol.ts';
import { MODELS, startFileServer, type Model } from './server.ts';

/** The port both sides use unless told otherwise. */
export const DEFAULT_PORT = 5001;

const MENU = `Commands:
  list                       show the files on the server
  download NAME [to PATH]    fetch a file (into the current directory by default)
  upload PATH [as NAME]      send a local file (under its own name by default)
  quit                       leave`;

const bytes = new Intl.NumberFormat('en-US');

/** Options of {@link interact}. */
export interface InteractOptions {
  /** Where downloads go and uploads are found when a path is relative. */
  readonly cwd: string;
  /** Shows the prompt before each command is read. */
  readonly prompt: () => void;
}

/**
 * The interactive client's loop: reads commands from `lines` until `quit` or their end, runs
 * them with `client` and reports on `out`. Returns the exit code: 0, or 1 when the server
 * closed the connection.
 */
export async function interact(
  client: FileClient,
  lines: AsyncIterable<string>,
  out: (line: string) => void,
  options: InteractOptions,
): Promise<number> {
  out(MENU);
  options.prompt();
  for await (const raw of lines) {
    const line = raw.trim();
    const space = line.indexOf(' ');
    const command = (space === -1 ? line : line.slice(0, space)).toLowerCase();
    const rest = space === -1 ? '' : line.slice(space + 1).trim();
    try {
      switch (command) {
        case '':
          break;
        case 'list':
        case 'ls': {
          const files = await client.list();
          out(files.length === 0 ? 'The server has no files.' : `${files.length} file(s):`);
          for (const { name, size } of files) out(`  ${bytes.format(size).padStart(15)}  ${name}`);
          break;
        }
        case 'download':
        case 'get': {
          if (rest === '') {
            out('Which file? Type `download NAME` (see `list`), or `download NAME to PATH`.');
            break;
          }
          const [name, path] = splitLast(rest, ' to ');
          const dest = resolve(options.cwd, path ?? name);
          const size = await client.download(name, dest);
          out(`Downloaded ${name} (${bytes.format(size)} bytes) to ${dest}`);
          break;
        }
        case 'upload':
        case 'put': {
          if (rest === '') {
            out('Which file? Type `upload PATH`, or `upload PATH as NAME`.');
            break;
          }
          const [path, name] = splitLast(rest, ' as ');
          const src = resolve(options.cwd, path);
          const size = await client.upload(src, name);
          out(
            `Uploaded ${src} as ${name ?? src.split(/[\\/]/).pop() ?? path} (${bytes.format(size)} bytes)`,
          );
          break;
        }
        case 'quit':
        case 'exit':
          await client.quit();
          out('Bye.');
          return 0;
        case 'help':
        case '?':
          out(MENU);
          break;
        default:
          out(`Unknown command \`${command}\`.`);
          out(MENU);
      }
    } catch (error) {
      if (error instanceof FileServerError) out(`Refused: ${error.reason}`);
      else if (error instanceof ConnectionClosedError) {
        out('The server closed the connection.');
        client.close();
        return 1;
      } else if (error instanceof Error) out(`Failed: ${error.message}`);
      else throw error;
    }
    options.prompt();
  }
  await client.quit();
  return 0;
}

/** `text` split at the last `separator`: `[text]` when it has none. */
function splitLast(text: string, separator: string): [string, string?] {
  const at = text.lastIndexOf(separator);
  if (at <= 0) return [text];
  return [text.slice(0, at).trim(), text.slice(at + separator.length).trim()];
}

/** Resolves on the first Ctrl-C or SIGTERM. */
function stopRequested(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The options of `multitask files server`, parsed. */
export interface FilesServerFlags {
  readonly model: Model;
  readonly host: string;
  readonly port: number;
  readonly idleTimeout?: number | undefined;
  readonly maxClients?: number | undefined;
  readonly maxProcesses?: number | undefined;
}

/** The options of `multitask files client`, parsed. */
export interface FilesClientFlags {
  readonly host: string;
  readonly port: number;
}

/**
 * The `files` command and its `server` and `client` subcommands: their arguments, options
 * and help; their actions serve a directory or connect to a server.
 */
export function filesProgram({ out, err }: CommandIO): Command {
  const server = new Command('server')
    .description('Serves the files of DIR to many clients at once.')
    .argument('<DIR>', 'the directory to serve')
    .addOption(
      new Option(
        '--model <M>',
        'how clients are served at once: a process per client, a thread per client, or one event loop for all',
      )
        .choices(MODELS)
        .default('thread'),
    )
    .option('--host <H>', 'the address to listen on', '127.0.0.1')
    .option('--port <P>', 'the TCP port', integer(0, 65_535), DEFAULT_PORT)
    .option(
      '--idle-timeout <MS>',
      'drop a client silent and not reading for MS (default: 60000)',
      integer(1, 2 ** 31 - 1),
    )
    .option(
      '--max-clients <N>',
      'refuse clients beyond N at once (default: 256)',
      integer(1, 1_000_000),
    )
    .option(
      '--max-processes <N>',
      'with --model process, run at most N processes; the clients beyond wait for one (default: the number of CPUs)',
      integer(1, 1024),
    );
  const client = new Command('client')
    .description(
      'Connects to a file server: lists, downloads and uploads files, guided by prompts.',
    )
    .option('--host <H>', "the server's address", '127.0.0.1')
    .option('--port <P>', "the server's TCP port", integer(0, 65_535), DEFAULT_PORT);
  onRun(server, async (self) => {
    const [dir] = self.processedArgs as [string];
    const info = await stat(dir).catch(() => null);
    if (info?.isDirectory() !== true) {
      err(`Cannot serve \`${dir}\`: ${info === null ? 'no such directory' : 'not a directory'}`);
      return 1;
    }
    return serve(dir, self.opts<FilesServerFlags>(), out, err);
  });
  onRun(client, (self) => {
    const { host, port } = self.opts<FilesClientFlags>();
    return connect(host, port, out, err);
  });
  const files = new Command('files')
    .summary('serve a directory to many clients at once, or connect to such a server')
    .description(
      'The file server: `files server DIR` serves the files of DIR to many clients at once (a ' +
        'process, a thread or the event loop per client; idle clients dropped, clients and ' +
        'processes capped); `files client` lists, downloads and uploads them.',
    )
    .usage('server|client [options]')
    .addCommand(server)
    .addCommand(client);
  return requireSubcommand(files, 'mode');
}

/**
 * Runs `multitask files ...` with `argv` (the words after `files`); returns the exit code:
 * 0, 1 when the server cannot start or the client cannot connect, 2 for bad arguments.
 */
export function filesCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  return runSubprogram(() => filesProgram({ out, err }), argv, { out, err });
}

async function serve(
  dir: string,
  flags: FilesServerFlags,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const { host, port, model } = flags;
  const limits = {
    idleTimeoutMs: flags.idleTimeout,
    maxClients: flags.maxClients,
    maxProcesses: flags.maxProcesses,
  };
  let server;
  try {
    server = await startFileServer({ dir, model, host, port, ...limits, log: out });
  } catch (error) {
    err(`Could not serve ${dir} on ${host}:${port}: ${(error as Error).message}`);
    return 1;
  }
  const per = {
    process: 'a process per client',
    thread: 'a thread per client',
    event: 'one event loop',
  };
  out(`Serving ${server.dir} on ${host}:${server.port} with ${per[model]}. Ctrl-C stops.`);
  await stopRequested();
  out(`Stopping: ${server.active} client(s) still connected are disconnected.`);
  await server.close();
  return 0;
}

async function connect(
  host: string,
  port: number,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let client;
  try {
    client = await FileClient.connect({ host, port });
  } catch (error) {
    err(`Could not connect to ${host}:${port}: ${(error as Error).message}`);
    return 1;
  }
  out(`Connected to the file server at ${host}:${port}.`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  rl.setPrompt('files> ');
  // Ctrl-C ends the input: the loop then says goodbye to the server.
  rl.on('SIGINT', () => {
    rl.close();
  });
  const prompt = (): void => {
    rl.prompt();
  };
  try {
    return await interact(client, rl, out, { cwd: process.cwd(), prompt });
  } finally {
    rl.close();
  }
}
