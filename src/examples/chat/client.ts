/**
 * The chat client: logs in, says things, leaves; the lines the room sends arrive in a
 * {@link Queue}, which the prompt (see `session.ts`) or a test reads at its own pace.
 */
import { createSocket, type Socket } from 'node:dgram';
import { ArgumentRangeError, Queue, StateError, TimeoutError } from '../../index.ts';
import {
  DEFAULT_PORT,
  encodeClientMessage,
  MAX_DATAGRAM_BYTES,
  nameProblem,
  parseServerMessage,
  textProblem,
  type ClientMessage,
} from './protocol.ts';

/** The chat server cannot be reached: the socket failed (its error is the `cause`). */
export class ChatUnreachableError extends Error {
  readonly code = 'ERR_CHAT_UNREACHABLE';

  override get name(): string {
    return 'ChatUnreachableError';
  }
}

/** The server refused the login; `reason` is its answer, such as `ada is taken`. */
export class ChatRefusedError extends Error {
  readonly code = 'ERR_CHAT_REFUSED';
  readonly reason: string;

  constructor(reason: string) {
    super(`The server refused: ${reason}`);
    this.reason = reason;
  }

  override get name(): string {
    return 'ChatRefusedError';
  }
}

/** Options of {@link ChatClient}. */
export interface ChatClientOptions {
  /** The name to log in with: one word of up to 32 characters. */
  readonly name: string;
  /**
   * The server's address.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * The server's port.
   * @default 5005
   */
  readonly port?: number;
  /**
   * Milliseconds between keepalives (`P name`), which tell the server this client is still
   * here; keep it well under the server's timeout.
   * @default 10_000
   */
  readonly keepaliveMs?: number;
  /**
   * Milliseconds to wait for the server's answer to the login.
   * @default 5_000
   */
  readonly loginTimeoutMs?: number;
}

const encoder = new TextEncoder();

/**
 * One member of a chat room, over UDP.
 * @example
 * ```ts
 * const ada = new ChatClient({ name: 'ada', port: 5005 });
 * await ada.login();                 // throws ChatRefusedError when the name is taken
 * await ada.say('hello');
 * console.log(await ada.messages.get()); // 'bob: hi ada'
 * await ada.leave();
 * ```
 */
export class ChatClient {
  /** The name this client logs in with. */
  readonly name: string;
  /**
   * The lines the room sends (`bob joined the room`, `bob: hi`, `admin: …`), in the order
   * they arrived. Shut down when the client leaves: a `for await` over it then ends.
   */
  readonly messages = new Queue<string>();
  readonly #host: string;
  readonly #port: number;
  readonly #keepaliveMs: number;
  readonly #loginTimeoutMs: number;
  #socket: Socket | undefined;
  #keepalive: NodeJS.Timeout | undefined;
  #state: 'new' | 'joining' | 'joined' | 'gone' = 'new';
  /** The last datagram sent while in the room: a refused line is said again after a rejoin. */
  #lastSent: ClientMessage | undefined;
  /** Logging in again, after the server forgot this client (it restarted); what to resend. */
  #rejoining: { readonly resend: string | undefined } | undefined;

  /**
   * @throws {ArgumentRangeError} when `name` cannot be a name (empty, too long, with spaces).
   */
  constructor(options: ChatClientOptions) {
    const {
      name,
      host = '127.0.0.1',
      port = DEFAULT_PORT,
      keepaliveMs = 10_000,
      loginTimeoutMs = 5_000,
    } = options;
    // The reserved name is the server's to enforce: it is the server that knows it.
    const problem = typeof name === 'string' ? nameProblem(name, '') : 'not a string';
    if (problem !== undefined) {
      throw new ArgumentRangeError(
        `Expected \`name\` to be a chat name, got ${JSON.stringify(name)}: ${problem}`,
      );
    }
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new ArgumentRangeError(
        `Expected \`port\` to be an integer from 1 to 65535, got ${String(port)}`,
      );
    }
    for (const [key, value] of [
      ['keepaliveMs', keepaliveMs],
      ['loginTimeoutMs', loginTimeoutMs],
    ] as const) {
      if (typeof value !== 'number' || !(value > 0)) {
        throw new ArgumentRangeError(
          `Expected \`${key}\` to be a positive number, got ${String(value)}`,
        );
      }
    }
    this.name = name;
    this.#host = host;
    this.#port = port;
    this.#keepaliveMs = keepaliveMs;
    this.#loginTimeoutMs = loginTimeoutMs;
  }

  /** Whether the client is in the room (logged in, not yet left). */
  get joined(): boolean {
    return this.#state === 'joined';
  }

  /**
   * Logs in: sends `L name` and waits for the answer. On success the keepalives start.
   * @throws {ChatRefusedError} when the server refuses the name (the socket is closed).
   * @throws {Error} when the server does not answer in time or cannot be reached.
   */
  async login(): Promise<void> {
    if (this.#state !== 'new')
      throw new StateError('ERR_INVALID_STATE', `${this.name} has already logged in once`);
    this.#state = 'joining';
    const socket = createSocket(this.#host.includes(':') ? 'udp6' : 'udp4');
    this.#socket = socket;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        // Connected: the socket takes datagrams from the server only.
        socket.connect(this.#port, this.#host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle(
            new TimeoutError(
              `No answer from the chat server at ${this.#host}:${this.#port} within ${this.#loginTimeoutMs} ms`,
            ),
          );
        }, this.#loginTimeoutMs);
        const settle = (error?: Error): void => {
          clearTimeout(timer);
          clearInterval(retry);
          socket.off('error', onError);
          socket.off('message', onMessage);
          if (error === undefined) resolve();
          else reject(error);
        };
        const onError = (error: Error): void => {
          settle(
            new ChatUnreachableError(
              `Cannot reach the chat server at ${this.#host}:${this.#port}: ${error.message}`,
              { cause: error },
            ),
          );
        };
        const onMessage = (data: Buffer): void => {
          const parsed = parseServerMessage(data);
          if (!parsed.ok || parsed.message.type === 'line') return; // not the answer
          settle(
            parsed.message.type === 'ok' ? undefined : new ChatRefusedError(parsed.message.reason),
          );
        };
        socket.on('error', onError);
        socket.on('message', onMessage);
        // A datagram may be lost: ask again until answered. The server answers the same
        // name from the same address with OK again, and tells nobody twice.
        const ask = (): void => {
          this.#send({ type: 'login', name: this.name }).catch(onError);
        };
        const retry = setInterval(ask, Math.max(100, this.#loginTimeoutMs / 5));
        ask();
      });
    } catch (error) {
      this.#close();
      throw error;
    }
    this.#state = 'joined';
    socket.on('message', (data) => {
      this.#receive(data);
    });
    // Once in, a lost server shows up as a line rather than an exception nobody catches.
    socket.on('error', (error) => {
      this.#deliver(`(network error: ${error.message})`);
    });
    this.#keepalive = setInterval(() => {
      this.#send({ type: 'ping', name: this.name }).catch(() => {});
    }, this.#keepaliveMs);
    this.#keepalive.unref();
  }

  /**
   * Says `text` to the others (`C name text`); the server does not echo it back.
   * @throws {ArgumentRangeError} when `text` is empty, has control characters or does not fit in
   * one datagram.
   * @throws {Error} when the client is not in the room.
   */
  async say(text: string): Promise<void> {
    if (this.#state !== 'joined')
      throw new StateError('ERR_INVALID_STATE', `${this.name} is not in the room`);
    const problem = textProblem(text);
    if (problem !== undefined) {
      throw new ArgumentRangeError(
        `Expected \`text\` to be something to say, got ${JSON.stringify(text)}: ${problem}`,
      );
    }
    const size = encoder.encode(`C ${this.name} ${text}`).byteLength;
    if (size > MAX_DATAGRAM_BYTES) {
      throw new ArgumentRangeError(
        `Expected \`text\` to fit in one ${MAX_DATAGRAM_BYTES}-byte datagram, got ${size} bytes`,
      );
    }
    await this.#send({ type: 'chat', name: this.name, text });
  }

  /**
   * Leaves the room (`E name`: the others are told) and closes the socket; the
   * {@link ChatClient.messages} queue is shut down. Does nothing if already gone.
   */
  async leave(): Promise<void> {
    if (this.#state === 'joined') {
      try {
        await this.#send({ type: 'exit', name: this.name });
      } catch {
        // The server is gone: there is nobody left to tell.
      }
    }
    this.#close();
  }

  #receive(data: Buffer): void {
    const parsed = parseServerMessage(data);
    if (!parsed.ok) return;
    const { message } = parsed;
    if (message.type === 'line') this.#deliver(message.line);
    else if (message.type === 'ok') this.#rejoined();
    else if (message.reason.endsWith(' is not in the room')) this.#rejoin();
    else this.#deliver(`(refused: ${message.reason})`);
  }

  /**
   * The server does not know this member: it restarted (or timed this client out). Logs in
   * again under the same name; a line it refused (the last datagram sent) is said again once
   * the server answers OK. A lost login is retried at the next refusal (a keepalive's).
   */
  #rejoin(): void {
    const last = this.#lastSent;
    this.#rejoining ??= { resend: last?.type === 'chat' ? last.text : undefined };
    this.#send({ type: 'login', name: this.name }).catch(() => {});
  }

  #rejoined(): void {
    const rejoining = this.#rejoining;
    if (rejoining === undefined) return; // a repeated OK to the first login
    this.#rejoining = undefined;
    this.#deliver('(logged in again)');
    if (rejoining.resend !== undefined) {
      this.#send({ type: 'chat', name: this.name, text: rejoining.resend }).catch(() => {});
    }
  }

  #deliver(line: string): void {
    if (!this.messages.isShutdown) this.messages.putNowait(line);
  }

  #send(message: ClientMessage): Promise<void> {
    if (this.#state === 'joined') this.#lastSent = message;
    const socket = this.#socket;
    if (socket === undefined)
      return Promise.reject(new StateError('ERR_INVALID_STATE', `${this.name} has no socket`));
    return new Promise<void>((resolve, reject) => {
      socket.send(encodeClientMessage(message), (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  #close(): void {
    if (this.#state === 'gone') return;
    this.#state = 'gone';
    clearInterval(this.#keepalive);
    try {
      this.#socket?.close();
    } catch {
      // Never bound (the login failed early): nothing to close.
    }
    this.#socket = undefined;
    // Not immediate: the lines already here can still be read.
    this.messages.shutdown();
  }
}
