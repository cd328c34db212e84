/**
 * `multitask chat server` and `multitask chat client`: the chat room from the command line.
 */
import { createInterface } from 'node:readline';
import {
  Command,
  integer,
  InvalidArgumentError,
  onRun,
  positiveSeconds,
  requireSubcommand,
  runSubprogram,
  type CommandIO,
} from '../../internal/command-line.ts';
import { ChatClient, ChatRefusedError } from './client.ts';
import { DEFAULT_PORT, nameProblem } from './protocol.ts';
import { startChatServer, type ChatServer } from './server.ts';
import { LEAVE_COMMAND, runChatSession, type SessionIO } from './session.ts';

/** Where the commands read and write; the process's standard streams by default. */
export interface ChatCommandIO extends Partial<SessionIO> {
  /** Stops the command as Ctrl-C would. By default, the process's SIGINT does. */
  readonly signal?: AbortSignal;
}

/** The options of `multitask chat server`, parsed. */
export interface ChatServerFlags {
  readonly host: string;
  readonly port: number;
  /** Seconds of silence after which a member is dropped. */
  readonly timeout: number;
}

/** The options of `multitask chat client`, parsed. */
export interface ChatClientFlags {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

function memberName(text: string): string {
  const problem = nameProblem(text, '');
  if (problem !== undefined) {
    throw new InvalidArgumentError(`Expected one word of up to 32 characters (${problem}).`);
  }
  return text;
}

/**
 * The `chat` command and its `server` and `client` subcommands: their options and help;
 * their actions run the server or join the room.
 */
export function chatProgram({ out, err }: CommandIO, io: ChatCommandIO = {}): Command {
  const server = new Command('server')
    .description(
      `Runs the chat room on UDP H:P. Each line typed at its console is announced to everyone ` +
        'as "admin: ..."; Ctrl-D or Ctrl-C stops it.',
    )
    .option('--host <H>', 'the address to listen on', '127.0.0.1')
    .option('--port <P>', 'the UDP port; 0 picks a free one', integer(0, 65_535), DEFAULT_PORT)
    .option('--timeout <SECONDS>', 'drop members silent this long', positiveSeconds, 30);
  const client = new Command('client')
    .description(
      `Joins the room as NAME. Type a line to say it; ${LEAVE_COMMAND} or Ctrl-C leaves.`,
    )
    .requiredOption('-n, --name <NAME>', 'the name to join the room with (one word)', memberName)
    .option('--host <H>', "the server's address", '127.0.0.1')
    .option('--port <P>', "the server's UDP port", integer(1, 65_535), DEFAULT_PORT);
  onRun(server, async (self) => {
    const stop = stopSignal(io.signal);
    try {
      return await serve(self.opts<ChatServerFlags>(), out, err, io, stop.signal);
    } finally {
      stop.dispose();
    }
  });
  onRun(client, async (self) => {
    const stop = stopSignal(io.signal);
    try {
      return await join(self.opts<ChatClientFlags>(), out, err, io, stop.signal);
    } finally {
      stop.dispose();
    }
  });
  const chat = new Command('chat')
    .summary('run the UDP chat room, or join it')
    .description('The UDP chat room: `chat server` runs it, `chat client --name NAME` joins it.')
    .usage('server|client [options]')
    .addCommand(server)
    .addCommand(client);
  return requireSubcommand(chat, 'mode');
}

/**
 * Runs `multitask chat ...` with `argv` (the arguments after `chat`); returns the exit code:
 * 0 when done, 1 when the server cannot start or the login fails, 2 for bad arguments.
 * @example
 * ```ts
 * process.exitCode = await chatCommand(['client', '--name', 'ada'], console.log, console.error);
 * ```
 */
export function chatCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  io: ChatCommandIO = {},
): Promise<number> {
  return runSubprogram(() => chatProgram({ out, err }, io), argv, { out, err });
}

async function serve(
  { host, port, timeout: seconds }: ChatServerFlags,
  out: (line: string) => void,
  err: (line: string) => void,
  io: ChatCommandIO,
  signal: AbortSignal,
): Promise<number> {
  let server: ChatServer;
  try {
    server = await startChatServer({ host, port, timeoutMs: seconds * 1000, log: out });
  } catch (error) {
    err(
      `Cannot start the chat server on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  out(
    `Chat server on ${server.address}:${server.port}. Type a line to announce it to everyone; Ctrl-D or Ctrl-C stops the server.`,
  );
  // The console: each line is an announcement. No prompt, so that the log stays readable.
  const consoleLines = createInterface({ input: io.input ?? process.stdin, terminal: false });
  consoleLines.on('line', (line) => {
    if (line.trim() !== '') void server.announce(line);
  });
  await new Promise<void>((resolve) => {
    consoleLines.once('close', resolve);
    if (signal.aborted) resolve();
    else
      signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });
  consoleLines.close();
  await server.close();
  out('Chat server stopped.');
  return 0;
}

async function join(
  { name, host, port }: ChatClientFlags,
  out: (line: string) => void,
  err: (line: string) => void,
  io: ChatCommandIO,
  signal: AbortSignal,
): Promise<number> {
  const client = new ChatClient({ name, host, port });
  try {
    await client.login();
  } catch (error) {
    err(
      error instanceof ChatRefusedError
        ? `Cannot join as ${name}: ${error.reason}`
        : error instanceof Error
          ? error.message
          : String(error),
    );
    return 1;
  }
  out(
    `Joined the room on ${host}:${port} as ${name}. Type to chat; ${LEAVE_COMMAND} or Ctrl-C leaves.`,
  );
  try {
    await runChatSession(client, {
      input: io.input ?? process.stdin,
      output: io.output ?? process.stdout,
      signal,
      ...(io.terminal === undefined ? {} : { terminal: io.terminal }),
    });
  } finally {
    await client.leave();
  }
  out('You left the room.');
  return 0;
}

/** An AbortSignal that `given` aborts, or else the process's SIGINT. */
function stopSignal(given: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  if (given !== undefined) return { signal: given, dispose: () => {} };
  const controller = new AbortController();
  const onSigint = (): void => {
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
