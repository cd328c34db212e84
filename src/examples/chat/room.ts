/**
 * The chat room's rules, with no sockets and no clock: each call takes what happened (a
 * datagram from an address, an announcement, the time) and returns the datagrams to send
 * and the lines to log. The server feeds it; the tests drive it directly.
 */
import { ArgumentRangeError, ArgumentTypeError } from '../../index.ts';
import {
  ADMIN_NAME,
  MAX_DATAGRAM_BYTES,
  nameKey,
  nameProblem,
  normalizeName,
  parseClientMessage,
  textProblem,
  type ServerMessage,
} from './protocol.ts';

/** Where a datagram came from or goes to. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** One datagram to send. */
export interface Outgoing {
  readonly to: Endpoint;
  readonly message: ServerMessage;
}

/** What one event leads to, in order: the datagrams to send and the lines to log. */
export interface RoomOutput {
  readonly send: readonly Outgoing[];
  readonly log: readonly string[];
}

/** Options of {@link ChatRoom}. */
export interface ChatRoomOptions {
  /**
   * The name announcements are made under; members' names may not contain it.
   * @default 'admin'
   */
  readonly adminName?: string;
  /**
   * Milliseconds a member may stay silent (no message, no keepalive) before
   * {@link ChatRoom.expire} drops it.
   * @default 30_000
   */
  readonly timeoutMs?: number;
  /**
   * The most lines a member may say in {@link ChatRoomOptions.rateWindowMs}; beyond, its
   * lines are refused (`NO slow down: …`) until the window lets more through.
   * @default 10
   */
  readonly maxMessages?: number;
  /**
   * The window of the rate limit, in milliseconds.
   * @default 10_000
   */
  readonly rateWindowMs?: number;
}

interface Member {
  readonly name: string;
  readonly endpoint: Endpoint;
  lastHeard: number;
  /** The rate limit's token bucket: lines it may still say, refilled over time. */
  tokens: number;
  refilled: number;
}

/** The line every member is sent when the server stops. */
export const SHUTDOWN_LINE = 'the server is shutting down';

const encoder = new TextEncoder();

function show(endpoint: Endpoint): string {
  return endpoint.address.includes(':')
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`;
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port;
}

/**
 * The members and what happens to them. Names are normalized (NFKC) and unique regardless
 * of case and look-alike letters (`Ada`, `ada` and `аda` with a Cyrillic `а` are one
 * member: see {@link nameKey}), and shown as their owner logged in with them; a member is bound to
 * the address and port it logged in from, and datagrams naming it from anywhere else are
 * refused.
 * @example
 * ```ts
 * const room = new ChatRoom({ timeoutMs: 30_000 });
 * const ada = { address: '127.0.0.1', port: 40001 };
 * room.receive(new TextEncoder().encode('L ada'), ada, 0);
 * // { send: [{ to: ada, message: { type: 'ok' } }], log: ['ada joined from 127.0.0.1:40001'] }
 * ```
 */
export class ChatRoom {
  readonly #adminName: string;
  readonly #timeoutMs: number;
  readonly #maxMessages: number;
  readonly #rateWindowMs: number;
  /** By {@link nameKey}, in the order they joined. */
  readonly #members = new Map<string, Member>();

  constructor(options: ChatRoomOptions = {}) {
    const {
      adminName = ADMIN_NAME,
      timeoutMs = 30_000,
      maxMessages = 10,
      rateWindowMs = 10_000,
    } = options;
    if (typeof adminName !== 'string' || adminName === '' || /\s/.test(adminName)) {
      throw new ArgumentTypeError(
        `Expected \`adminName\` to be a non-empty word, got ${JSON.stringify(adminName)}`,
      );
    }
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
      throw new ArgumentRangeError(
        `Expected \`timeoutMs\` to be a positive number of milliseconds, got ${String(timeoutMs)}`,
      );
    }
    if (!Number.isSafeInteger(maxMessages) || maxMessages < 1) {
      throw new ArgumentRangeError(
        `Expected \`maxMessages\` to be a positive integer, got ${String(maxMessages)}`,
      );
    }
    if (typeof rateWindowMs !== 'number' || !(rateWindowMs > 0)) {
      throw new ArgumentRangeError(
        `Expected \`rateWindowMs\` to be a positive number of milliseconds, got ${String(rateWindowMs)}`,
      );
    }
    this.#adminName = adminName;
    this.#timeoutMs = timeoutMs;
    this.#maxMessages = maxMessages;
    this.#rateWindowMs = rateWindowMs;
  }

  /** The members' names, in the order they joined. */
  get members(): string[] {
    return [...this.#members.values()].map((member) => member.name);
  }

  /**
   * Handles one datagram that arrived from `from` at time `now` (milliseconds, any
   * monotonic clock). Malformed and oversized datagrams are only logged.
   */
  receive(data: Uint8Array, from: Endpoint, now: number): RoomOutput {
    const parsed = parseClientMessage(data);
    if (!parsed.ok)
      return { send: [], log: [`dropped a datagram from ${show(from)}: ${parsed.error}`] };
    const { message } = parsed;
    if (message.type === 'login') return this.#login(message.name, from, now);

    const member = this.#members.get(nameKey(message.name));
    if (member === undefined) {
      return this.#refuse(from, `${message.name} is not in the room`);
    }
    if (!sameEndpoint(member.endpoint, from)) {
      return this.#refuse(
        from,
        `${member.name} belongs to another client`,
        `(${member.name} is at ${show(member.endpoint)})`,
      );
    }
    member.lastHeard = now;
    switch (message.type) {
      case 'chat':
        if (!this.#take(member, now)) {
          return this.#refuse(
            from,
            `slow down: at most ${this.#maxMessages} lines in ${this.#rateWindowMs / 1000} s`,
            `(${member.name})`,
          );
        }
        return { send: this.#tellOthers(member, `${member.name}: ${message.text}`), log: [] };
      case 'exit':
        this.#members.delete(nameKey(member.name));
        return {
          send: this.#tellOthers(member, `${member.name} left the room`),
          log: [`${member.name} left`],
        };
      case 'ping':
        return { send: [], log: [] };
    }
  }

  /**
   * Sends `text` to every member as `admin: text`.
   * Empty texts, texts with control characters and texts too long for one datagram are
   * only logged.
   */
  announce(text: string): RoomOutput {
    const line = `${this.#adminName}: ${text}`;
    const problem =
      textProblem(text) ??
      (encoder.encode(`M ${line}`).byteLength > MAX_DATAGRAM_BYTES
        ? `longer than ${MAX_DATAGRAM_BYTES} bytes`
        : undefined);
    if (problem !== undefined) return { send: [], log: [`announcement not sent: ${problem}`] };
    return {
      send: [...this.#members.values()].map((member) => lineTo(member.endpoint, line)),
      log: [`announced: ${text}`],
    };
  }

  /**
   * The server stops: every member is told {@link SHUTDOWN_LINE} and the room is emptied
   * (a client that speaks to the next server logs in again: see `client.ts`).
   */
  shutdown(): RoomOutput {
    const send = [...this.#members.values()].map((member) =>
      lineTo(member.endpoint, SHUTDOWN_LINE),
    );
    const count = this.#members.size;
    this.#members.clear();
    return { send, log: count === 0 ? [] : [`shutting down: ${count} member(s) told`] };
  }

  /** Takes one token of `member`'s bucket at time `now`; false when it is empty. */
  #take(member: Member, now: number): boolean {
    const refill = ((now - member.refilled) * this.#maxMessages) / this.#rateWindowMs;
    member.tokens = Math.min(this.#maxMessages, member.tokens + Math.max(0, refill));
    member.refilled = now;
    if (member.tokens < 1) return false;
    member.tokens -= 1;
    return true;
  }

  /** Drops the members silent for longer than the timeout at time `now`, telling the others. */
  expire(now: number): RoomOutput {
    const send: Outgoing[] = [];
    const log: string[] = [];
    for (const member of [...this.#members.values()]) {
      if (now - member.lastHeard <= this.#timeoutMs) continue;
      this.#members.delete(nameKey(member.name));
      send.push(...this.#tellOthers(member, `${member.name} left the room (timed out)`));
      log.push(`${member.name} timed out`);
    }
    return { send, log };
  }

  #login(asSent: string, from: Endpoint, now: number): RoomOutput {
    const problem = nameProblem(asSent, this.#adminName);
    if (problem !== undefined)
      return this.#refuse(from, problem, `(login as ${JSON.stringify(asSent)})`);
    const name = normalizeName(asSent);
    const taken = this.#members.get(nameKey(name));
    if (taken !== undefined) {
      // The same client again: its OK was lost (this is UDP), so say it again.
      if (sameEndpoint(taken.endpoint, from) && taken.name === name) {
        taken.lastHeard = now;
        return { send: [{ to: from, message: { type: 'ok' } }], log: [] };
      }
      return this.#refuse(from, `${name} is taken`);
    }
    for (const member of this.#members.values()) {
      if (sameEndpoint(member.endpoint, from)) {
        return this.#refuse(from, `already in the room as ${member.name}`);
      }
    }
    const member: Member = {
      name,
      endpoint: from,
      lastHeard: now,
      tokens: this.#maxMessages,
      refilled: now,
    };
    this.#members.set(nameKey(name), member);
    return {
      send: [
        { to: from, message: { type: 'ok' } },
        ...this.#tellOthers(member, `${name} joined the room`),
      ],
      log: [`${name} joined from ${show(from)}`],
    };
  }

  #refuse(to: Endpoint, reason: string, detail?: string): RoomOutput {
    return {
      send: [{ to, message: { type: 'refused', reason } }],
      log: [`refused ${show(to)}: ${reason}${detail === undefined ? '' : ` ${detail}`}`],
    };
  }

  #tellOthers(sender: Member, line: string): Outgoing[] {
    const send: Outgoing[] = [];
    for (const member of this.#members.values()) {
      if (member !== sender) send.push(lineTo(member.endpoint, line));
    }
    return send;
  }
}

function lineTo(to: Endpoint, line: string): Outgoing {
  return { to, message: { type: 'line', line } };
}
