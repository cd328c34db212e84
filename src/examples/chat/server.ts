/**
 * The chat server: one UDP socket, and a {@link ChatRoom} fed from one {@link Queue} of
 * events.
 *
 * The course's server had a thread receiving datagrams while the main thread read the
 * console, both changing the member table. Here three producers put events into one queue
 * (the socket's datagrams, the console's announcements, and a clock that asks for silent
 * members to be dropped) and one consumer takes them in order and is the only code that
 * touches the room. So the room needs no lock, and every member sees events in the order
 * the server took them.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { Queue } from '../../index.ts';
import { DEFAULT_PORT, encodeServerMessage } from './protocol.ts';
import { ChatRoom, type Outgoing, type RoomOutput } from './room.ts';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  /**
   * The address to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * The UDP port to listen on; 0 picks a free one (see the `port` of the result).
   * @default 5005
   */
  readonly port?: number;
  /**
   * Milliseconds a member may stay silent before it is dropped and the others are told
   * `NAME left the room (timed out)`. Clients send a keepalive more often than this.
   * @default 30_000
   */
  readonly timeoutMs?: number;
  /**
   * The name announcements are made under; members' names may not contain it.
   * @default 'admin'
   */
  readonly adminName?: string;
  /**
   * The per-member rate limit: at most `maxMessages` lines in `rateWindowMs` (see
   * `ChatRoomOptions` in room.ts).
   * @default 10 lines in 10_000 ms
   */
  readonly maxMessages?: number;
  readonly rateWindowMs?: number;
  /** Receives one line per join, leave, refusal, dropped datagram and announcement. */
  readonly log?: (line: string) => void;
}

/** A running chat server. */
export interface ChatServer {
  /** The address the socket is bound to. */
  readonly address: string;
  /** The port the socket is bound to. */
  readonly port: number;
  /** The members' names, in the order they joined. */
  members(): string[];
  /**
   * Sends `text` to every member as `admin: text`; resolves once it has been sent.
   * Announcements after {@link ChatServer.close} are ignored.
   */
  announce(text: string): Promise<void>;
  /**
   * Stops taking datagrams and announcements, handles those already taken, tells every
   * member that the server is shutting down, closes the socket; resolves once everything
   * has stopped. May be called again.
   */
  close(): Promise<void>;
}

/** What the consumer loop takes from the queue. */
type ServerEvent =
  | {
      readonly kind: 'datagram';
      readonly data: Uint8Array;
      readonly address: string;
      readonly port: number;
      readonly at: number;
    }
  | { readonly kind: 'announce'; readonly text: string; readonly id: number }
  | { readonly kind: 'expire'; readonly at: number }
  | { readonly kind: 'shutdown' };

/**
 * Starts a chat server.
 * @throws {Error} when the socket cannot be bound (the address is in use, for instance).
 * @example
 * ```ts
 * const server = await startChatServer({ port: 0, log: console.log });
 * console.log(`listening on ${server.address}:${server.port}`);
 * await server.announce('welcome');
 * await server.close();
 * ```
 */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const { host = '127.0.0.1', port = DEFAULT_PORT, timeoutMs = 30_000, log } = options;
  const { adminName, maxMessages, rateWindowMs } = options;
  const room = new ChatRoom({
    timeoutMs,
    ...(adminName === undefined ? {} : { adminName }),
    ...(maxMessages === undefined ? {} : { maxMessages }),
    ...(rateWindowMs === undefined ? {} : { rateWindowMs }),
  });
  const write = log ?? ((): void => {});
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // From here on a socket error is logged, never thrown.
  socket.on('error', (error) => {
    write(`socket error: ${error.message}`);
  });

  const inbox = new Queue<ServerEvent>();
  socket.on('message', (data, remote) => {
    const event = {
      kind: 'datagram',
      data,
      address: remote.address,
      port: remote.port,
      at: performance.now(),
    } as const;
    try {
      if (!inbox.isShutdown) inbox.putNowait(event);
    } catch (error) {
      // Thrown out of an event handler, it would end the process.
      write(`dropped a datagram: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  // Often enough that a silent member goes at most a quarter of the timeout late.
  const clock = setInterval(
    () => {
      if (!inbox.isShutdown) inbox.putNowait({ kind: 'expire', at: performance.now() });
    },
    Math.max(10, timeoutMs / 4),
  );
  clock.unref();

  // Announcements resolve once the consumer has sent them.
  const announced = new Map<number, () => void>();
  let nextId = 0;

  const consumer = (async () => {
    try {
      await consume();
    } catch (error) {
      write(`the server stopped: ${error instanceof Error ? error.message : String(error)}`);
    }
  })();
  async function consume(): Promise<void> {
    for await (const event of inbox) {
      let output: RoomOutput;
      try {
        switch (event.kind) {
          case 'datagram':
            output = room.receive(
              event.data,
              { address: event.address, port: event.port },
              event.at,
            );
            break;
          case 'announce':
            output = room.announce(event.text);
            break;
          case 'expire':
            output = room.expire(event.at);
            break;
          case 'shutdown':
            output = room.shutdown();
            break;
        }
        for (const line of output.log) write(line);
        await sendAll(socket, output.send, write);
      } catch (error) {
        // A bug in the room must not take the server down with it.
        write(
          `error while handling ${event.kind}: ${error instanceof Error ? error.message : String(error)}`,
        );
      } finally {
        if (event.kind === 'announce') {
          announced.get(event.id)?.();
          announced.delete(event.id);
        }
      }
    }
  }

  const address = socket.address();
  let closing: Promise<void> | undefined;
  return {
    address: address.address,
    port: address.port,
    members: () => room.members,
    announce(text: string): Promise<void> {
      if (inbox.isShutdown) return Promise.resolve();
      const id = nextId++;
      return new Promise<void>((resolve) => {
        announced.set(id, resolve);
        inbox.putNowait({ kind: 'announce', text, id });
      });
    },
    close(): Promise<void> {
      closing ??= (async () => {
        clearInterval(clock);
        socket.removeAllListeners('message');
        // The members hear of it last; then no new events: the consumer handles those
        // already queued, then its loop ends.
        inbox.putNowait({ kind: 'shutdown' });
        inbox.shutdown();
        await consumer;
        for (const resolve of announced.values()) resolve();
        announced.clear();
        await new Promise<void>((resolve) =>
          socket.close(() => {
            resolve();
          }),
        );
      })();
      return closing;
    },
  };
}

/** Sends the datagrams (the socket sends them in this order); logs those that fail. */
async function sendAll(
  socket: Socket,
  send: readonly Outgoing[],
  write: (line: string) => void,
): Promise<void> {
  await Promise.all(
    send.map(
      ({ to, message }) =>
        new Promise<void>((resolve) => {
          socket.send(encodeServerMessage(message), to.port, to.address, (error) => {
            if (error) write(`could not send to ${to.address}:${to.port}: ${error.message}`);
            resolve();
          });
        }),
    ),
  );
}
