/**
 * `multitask files server DIR` and `multitask files client`: the file server and its
 * interactive client on the command line.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { FileClient } from './client.ts';
import { ConnectionClosedError, FileServerError } from './protocol.ts';
import { MODELS, startFileServer, type Model } from './server.ts';

/** The port both sides use unless told otherwise. */
export const DEFAULT_PORT = 5001;

const USAGE = `Usage:
  multitask files server DIR [--model process|thread|event] [--host H] [--port P]
                             [--idle-timeout MS] [--max-clients N] [--max-processes N]
  multitask files client [--host H] [--port P]

The server serves the files of DIR to many clients at once; the client lists, downloads
and uploads them, guided by its prompts.

Options:
  --model M   How clients are served at once: a process per client (process), a thread
              per client (thread, the default) or one event loop for all (event).
  --host H    The address to listen on or connect to (default: 127.0.0.1).
  --port P    The TCP port (default: ${DEFAULT_PORT}).
  --idle-timeout MS   Drop a client silent and not reading for MS (default: 60000).
  --max-clients N     Refuse clients beyond N at once (default: 256).
  --max-processes N   With --model process, run at most N processes; the clients
                      beyond wait for one (default: the number of CPUs).
  -h, --help  Show this help.`;

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

/** Exits with usage when a check fails: the message, then the usage. */
class UsageError extends Error {}

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new UsageError(`Expected --port to be an integer from 0 to 65535, got \`${value}\``);
  }
  return port;
}

/** An optional whole-number option from 1 to `max`. */
function parseCount(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > max) {
    throw new UsageError(`Expected --${name} to be an integer from 1 to ${max}, got \`${value}\``);
  }
  return count;
}

function parseModel(value: string | undefined): Model {
  if (value === undefined) return 'thread';
  if (!(MODELS as readonly string[]).includes(value)) {
    throw new UsageError(`Expected --model to be one of ${MODELS.join(', ')}, got \`${value}\``);
  }
  return value as Model;
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

/**
 * Runs `multitask files ...` with `argv` (the words after `files`); returns the exit code:
 * 0, 1 when the server cannot start or the client cannot connect, 2 for bad arguments.
 */
export async function filesCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const [mode, ...rest] = argv;
  if (mode === '-h' || mode === '--help') {
    out(USAGE);
    return 0;
  }
  try {
    if (mode !== 'server' && mode !== 'client') {
      throw new UsageError(`Expected \`server\` or \`client\`, got \`${mode ?? ''}\``);
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: {
          model: { type: 'string' },
          host: { type: 'string' },
          port: { type: 'string' },
          'idle-timeout': { type: 'string' },
          'max-clients': { type: 'string' },
          'max-processes': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help === true) {
      out(USAGE);
      return 0;
    }
    const host = values.host ?? '127.0.0.1';
    const port = parsePort(values.port);
    if (mode === 'server') {
      const model = parseModel(values.model);
      const [dir, extra] = positionals;
      if (dir === undefined) throw new UsageError('Expected the directory to serve: server DIR');
      if (extra !== undefined) throw new UsageError(`Expected one directory, got \`${extra}\` too`);
      const info = await stat(dir).catch(() => null);
      if (info?.isDirectory() !== true) {
        throw new UsageError(`Expected DIR to be a directory, got \`${dir}\``);
      }
      const limits = {
        idleTimeoutMs: parseCount('idle-timeout', values['idle-timeout'], 2 ** 31 - 1),
        maxClients: parseCount('max-clients', values['max-clients'], 1_000_000),
        maxProcesses: parseCount('max-processes', values['max-processes'], 1024),
      };
      return await serve(dir, model, { host, port, ...limits }, out, err);
    }
    for (const name of ['model', 'idle-timeout', 'max-clients', 'max-processes'] as const) {
      if (values[name] !== undefined) {
        throw new UsageError(`--${name} is an option of the server, not of the client`);
      }
    }
    if (positionals.length > 0) {
      throw new UsageError(
        `Expected no arguments for the client, got \`${positionals.join(' ')}\``,
      );
    }
    return await connect(host, port, out, err);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n\n${USAGE}`);
    return 2;
  }
}

interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly idleTimeoutMs: number | undefined;
  readonly maxClients: number | undefined;
  readonly maxProcesses: number | undefined;
}

async function serve(
  dir: string,
  model: Model,
  options: ServeOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const { host, port } = options;
  let server;
  try {
    server = await startFileServer({ dir, model, ...options, log: out });
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
