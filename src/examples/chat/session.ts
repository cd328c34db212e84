/**
 * The client's prompt: what the user types is said in the room, and what the room says is
 * printed above the prompt without tearing what the user is typing.
 */
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { ChatClient } from './client.ts';

/** Where the prompt reads and writes. */
export interface SessionIO {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /**
   * Whether `output` is a terminal: then the prompt is redrawn after each line that
   * arrives. Otherwise lines are written one after the other, with no prompt.
   * @default output.isTTY
   */
  readonly terminal?: boolean;
  /**
   * Leaves as `##` does when aborted: the process's SIGINT, which reaches the program
   * instead of readline when the input is not a terminal.
   */
  readonly signal?: AbortSignal;
}

/** The line that leaves the room. */
export const LEAVE_COMMAND = '##';

/**
 * Runs the prompt of a logged-in `client` until the user leaves (`##`, Ctrl-C, or the end
 * of the input); the client has then left the room (the others are told).
 *
 * Two things happen at once, both on Node's event loop: the `line` handler sends what the
 * user typed, and a loop takes the room's lines from `client.messages` and prints them.
 * To print a line while the user is typing, that loop clears the prompt's line, writes
 * the message, and has readline draw the prompt again with what was typed so far
 * (`prompt(true)` keeps the cursor where it was).
 */
export async function runChatSession(client: ChatClient, io: SessionIO): Promise<void> {
  const { input, output } = io;
  const terminal = io.terminal ?? (output as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input, output, terminal, prompt: `${client.name}> ` });

  let left: Promise<void> | undefined;
  const leave = (): Promise<void> => {
    left ??= client.leave().finally(() => {
      rl.close();
    });
    return left;
  };

  const show = async (): Promise<void> => {
    for await (const line of client.messages) {
      if (terminal) {
        clearLine(output, 0);
        cursorTo(output, 0);
        output.write(`${line}\n`);
        rl.prompt(true);
      } else {
        output.write(`${line}\n`);
      }
    }
  };
  const shown = show();

  // Lines are handled one at a time, in order: a `##` typed after a message leaves after
  // the message has been sent.
  let typed = Promise.resolve();
  rl.on('line', (line) => {
    typed = typed.then(async () => {
      if (left !== undefined) return;
      const text = line.trim();
      if (text === LEAVE_COMMAND) return leave();
      if (text !== '') {
        try {
          await client.say(line);
        } catch (error) {
          output.write(`(not sent: ${error instanceof Error ? error.message : String(error)})\n`);
        }
      }
      if (terminal) rl.prompt();
    });
  });
  // Ctrl-C at the prompt; Ctrl-D or the end of piped input.
  rl.on('SIGINT', () => void leave());
  const onAbort = (): void => void leave();
  if (io.signal?.aborted === true) onAbort();
  io.signal?.addEventListener('abort', onAbort, { once: true });
  rl.on('close', () => {
    void typed.then(leave);
  });

  if (terminal) rl.prompt();
  await new Promise<void>((resolve) => rl.once('close', resolve));
  io.signal?.removeEventListener('abort', onAbort);
  await typed;
  await leave();
  await shown;
}
