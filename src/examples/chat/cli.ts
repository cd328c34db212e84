/**
 * `multitask chat server` and `multitask chat client`: the chat room from the command line.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ChatClient, ChatRefusedError } from './client.ts';
import { DEFAULT_PORT, nameProblem } from './protocol.ts';
import { startChatServer, type ChatServer } from './server.ts';
import { LEAVE_COMMAND, runChatSession, type SessionIO } from './session.ts';

export const CHAT_USAGE = `Usage: multitask chat server [--host H] [--port P] [--timeout SECONDS]
       multitask chat client --name NAME [--host H] [--port P]

  server   Runs the chat room on UDP H:P (default 127.0.0.1:${DEFAULT_PORT}). Each line typed
           at its console is announced to everyone as "admin: ..."; Ctrl-D or Ctrl-C stops it.
           Members silent for --timeout seconds (default 30) are dropped.
  client   Joins the room as NAME. Type a line to say it; ${LEAVE_COMMAND} or Ctrl-C leaves.`;

/** Where the commands read and write; the process's standard streams by default. */
export interface ChatCommandIO extends Partial<SessionIO> {
  /** Stops the command as Ctrl-C would. By default, the process's SIGINT does. */
  readonly signal?: AbortSignal;
}

type Values = { host?: string; port?: string; name?: string; timeout?: string; help?: boolean };

/**
 * Runs `multitask chat ...` with `argv` (the arguments after `chat`); returns the exit code:
 * 0 when done, 1 when the server cannot start or the login fails, 2 for bad arguments.
 * @example
 * ```ts
 * process.exitCode = await chatCommand(['client', '--name', 'ada'], console.log, console.error);
 * ```
 */
export async function chatCommand(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  io: ChatCommandIO = {},
): Promise<number> {
  const [mode, ...rest] = argv;
  if (mode === '-h' || mode === '--help') {
    out(CHAT_USAGE);
    return 0;
  }
  if (mode !== 'server' && mode !== 'client') {
    err(
      `Expected \`server\` or \`client\` after \`chat\`, got \`${mode ?? ''}\`.\n\n${CHAT_USAGE}`,
    );
    return 2;
  }
  let values: Values;
  try {
    values = parseArgs({
      args: [...rest],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...(mode === 'server'
          ? { timeout: { type: 'string' } }
          : { name: { type: 'string', short: 'n' } }),
      },
      strict: true,
      allowPositionals: false,
    }).values as Values;
  } catch (error) {
    err(`${error instanceof Error ? error.message : String(error)}\n\n${CHAT_USAGE}`);
    return 2;
  }
  if (values.help === true) {
    out(CHAT_USAGE);
    return 0;
  }
  const host = values.host ?? '127.0.0.1';
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535 || values.port === '') {
    err(`Expected --port to be an integer from 0 to 65535, got \`${values.port ?? ''}\``);
    return 2;
  }
  const stop = stopSignal(io.signal);
  try {
    if (mode === 'server')
      return await serve(host, port, values.timeout, out, err, io, stop.signal);
    if (values.name === undefined) {
      err(`Expected --name NAME: the name to join the room with.\n\n${CHAT_USAGE}`);
      return 2;
    }
    const problem = nameProblem(values.name, '');
    if (problem !== undefined) {
      err(
        `Expected --name to be one word of up to 32 characters, got \`${values.name}\` (${problem})`,
      );
      return 2;
    }
    if (port === 0) {
      err("Expected --port to be the server's port, from 1 to 65535, got `0`");
      return 2;
    }
    return await join(values.name, host, port, out, err, io, stop.signal);
  } finally {
    stop.dispose();
  }
}

async function serve(
  host: string,
  port: number,
  timeout: string | undefined,
  out: (line: string) => void,
  err: (line: string) => void,
  io: ChatCommandIO,
  signal: AbortSignal,
): Promise<number> {
  const seconds = timeout === undefined ? 30 : Number(timeout);
  if (timeout === '' || !Number.isFinite(seconds) || seconds <= 0) {
    err(`Expected --timeout to be a positive number of seconds, got \`${timeout ?? ''}\``);
    return 2;
  }
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
  name: string,
  host: string,
  port: number,
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
