/**
 * One client connection of the HTTP server (server.ts): reads bytes, parses one request head
 * at a time, answers it, and only then parses the next, so pipelined requests are answered
 * in order; bounds slow clients with a deadline per request head and a limit on a stalled
 * response.
 */
import type { Socket } from 'node:net';
import type { FileHandle } from 'node:fs/promises';
import { parseRequest, type HttpRequest } from './parser.ts';
import { errorReply, formatHttpDate, REASONS, type Reply } from './response.ts';
import type { DynamicPages } from './server.ts';
import { serveStatic, type StaticRoot } from './static.ts';
import { clfTime, CUT_STATUS, stallWatch } from './watch.ts';

/** What every connection of one server shares. */
export interface Context {
  readonly root: StaticRoot;
  readonly dynamic: DynamicPages | undefined;
  readonly idleTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly log: ((line: string) => void) | undefined;
}

/** What writing a reply came to: whether all of it went out, and the body bytes that did. */
interface Sent {
  readonly ok: boolean;
  readonly bytes: number;
}

/** How long a closing connection keeps reading (and discarding) before it is destroyed. */
const MAX_LINGER_MS = 2000;

/**
 * One client connection. Its states: waiting for a request head (the deadline runs),
 * answering one (`#busy`, reading paused), and closing (`#closing`: our side has ended, what
 * still arrives is discarded until the client closes or the linger timer destroys it).
 */
export class Connection {
  readonly #socket: Socket;
  readonly #context: Context;
  #buffer: Buffer = Buffer.alloc(0);
  #busy = false;
  #closing = false;
  #peerEnded = false;
  /** The client's address, for the log (a destroyed socket no longer has it). */
  readonly #remote: string;
  /** The server is shutting down: finish the response in progress, then close. */
  #draining = false;
  /** Bytes of empty lines skipped before the next request line. */
  #skipped = 0;
  #deadline: NodeJS.Timeout | undefined;
  #linger: NodeJS.Timeout | undefined;

  constructor(socket: Socket, context: Context) {
    this.#socket = socket;
    this.#context = context;
    this.#remote = socket.remoteAddress ?? '-';
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#onData(chunk);
    });
    socket.on('end', () => {
      this.#peerEnded = true;
      if (!this.#busy) this.#finish();
    });
    // A reset or a write to a closed peer: 'close' follows, which cleans up.
    socket.on('error', () => undefined);
    socket.on('timeout', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(this.#deadline);
      clearTimeout(this.#linger);
    });
    this.#armDeadline();
  }

  /** Drops the connection now (the server is closing). */
  destroy(): void {
    this.#socket.destroy();
  }

  /**
   * The server is shutting down: a connection between requests closes now; one answering
   * a request closes once the response is complete (it is not kept alive).
   */
  drain(): void {
    this.#draining = true;
    if (!this.#busy) this.#finish();
  }

  #onData(input: Buffer): void {
    if (this.#closing) return;
    let chunk = input;
    if (this.#buffer.length === 0) {
      // Empty lines before a request line are skipped as they arrive (RFC 9112 §2.2), never
      // buffered: a stream of them would otherwise grow a buffer to be scanned again and
      // again. More than a request head's worth of them is not a client worth waiting for.
      let start = 0;
      while (start < chunk.length && (chunk[start] === 0x0d || chunk[start] === 0x0a)) start++;
      this.#skipped += start;
      if (this.#skipped > this.#context.maxHeaderBytes) {
        this.#failAndClose(errorReply(400, 'too many empty lines before the request'));
        return;
      }
      if (start === chunk.length) return;
      chunk = chunk.subarray(start);
    }
    const waiting = this.#buffer.length > 0;
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    // While a request is answered, the next ones wait in the buffer, up to one head's size.
    if (this.#busy && this.#buffer.length > this.#context.maxHeaderBytes) this.#socket.pause();
    // A head ends with a line feed: without one in the new bytes, it is still incomplete,
    // and re-scanning the buffer for every byte a slow client sends would cost quadratic time.
    if (waiting && !chunk.includes(0x0a) && this.#buffer.length <= this.#context.maxHeaderBytes) {
      return;
    }
    this.#next();
  }

  /** Parses and answers the next request in the buffer, if it is all there. */
  #next(): void {
    if (this.#busy || this.#closing) return;
    if (this.#buffer.length === 0) {
      if (this.#peerEnded) this.#finish();
      return;
    }
    const result = parseRequest(this.#buffer, this.#context.maxHeaderBytes);
    switch (result.kind) {
      case 'incomplete':
        if (this.#peerEnded) this.#finish();
        return;
      case 'error':
        this.#failAndClose(errorReply(result.status, result.reason));
        return;
      case 'request':
        this.#buffer = this.#buffer.subarray(result.consumed);
        this.#skipped = 0;
        clearTimeout(this.#deadline);
        this.#busy = true;
        // Reading goes on while answering, so that a client that leaves is seen (and its
        // page cancelled); what it pipelines meanwhile is bounded in #onData.
        void this.#answer(result.request);
        return;
      default:
        throw new Error(`Unexpected parse result ${JSON.stringify(result satisfies never)}`);
    }
  }

  async #answer(request: HttpRequest): Promise<void> {
    const started = new Date();
    // Aborted when the client goes away: a page being rendered for it is cancelled.
    const gone = new AbortController();
    // The end of the client's stream counts too: a browser that gives up closes the whole
    // connection, which a server only sees as the end of the stream until it writes.
    const onClose = (): void => {
      gone.abort();
    };
    this.#socket.once('close', onClose);
    this.#socket.once('end', onClose);
    let reply: Reply;
    try {
      reply = this.#socket.destroyed ? errorReply(503) : await this.#route(request, gone.signal);
    } catch (error) {
      // The client learns nothing of the server's internals; the log says what went wrong.
      reply = errorReply(500);
      if (!gone.signal.aborted) {
        this.#context.log?.(
          `Error answering ${request.method} ${request.target}: ${String(error)}`,
        );
      }
    } finally {
      this.#socket.off('close', onClose);
      this.#socket.off('end', onClose);
    }
    // This server reads no bodies: after a request with one, the stream is not framed.
    const keepAlive = request.keepAlive && !request.hasBody && !this.#draining;
    const sent = await this.#write(reply, request.method === 'HEAD', keepAlive, request.version);
    // Common Log Format: host ident user [time] "request line" status bytes.
    const status = sent.ok ? reply.status : CUT_STATUS;
    this.#context.log?.(
      `${this.#remote} - - ${clfTime(started)} "${request.method} ${request.target} HTTP/${request.version}" ${status} ${sent.bytes === 0 ? '-' : sent.bytes}`,
    );
    this.#busy = false;
    if (!sent.ok) {
      this.#socket.destroy();
    } else if (!keepAlive) {
      this.#finish();
    } else if (!this.#socket.destroyed) {
      this.#armDeadline();
      this.#socket.resume();
      this.#next();
    }
  }

  #route(request: HttpRequest, signal: AbortSignal): Promise<Reply> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return Promise.resolve(
        errorReply(405, `${request.method} is not served here`, { Allow: 'GET, HEAD' }),
      );
    }
    const { dynamic, root } = this.#context;
    if (dynamic !== undefined && (request.path === '/dyn' || request.path.startsWith('/dyn/'))) {
      return dynamic.handle(request, signal);
    }
    return serveStatic(root, request);
  }

  /**
   * Writes a reply. The head goes in one write with an in-memory body; a file streams with
   * backpressure. A client that takes nothing for the idle timeout is dropped.
   */
  async #write(
    reply: Reply,
    headOnly: boolean,
    keepAlive: boolean,
    version: HttpRequest['version'],
  ): Promise<Sent> {
    const { body } = reply;
    let file:
      { readonly file: FileHandle; readonly size: number; readonly start?: number } | undefined;
    let inline: Buffer | undefined;
    if (typeof body === 'string') inline = Buffer.from(body);
    else if (Buffer.isBuffer(body)) inline = body;
    else file = body;
    const socket = this.#socket;
    if (socket.destroyed) {
      await file?.file.close();
      return { ok: false, bytes: 0 };
    }
    const fields: [string, string][] = [
      ['Date', formatHttpDate(Date.now())],
      ['Server', 'multitask'],
      ...Object.entries(reply.headers ?? {}),
    ];
    // A 304 has no body and no length (RFC 9110 §15.4.5); everything else says its length.
    if (reply.status !== 304) {
      fields.push(['Content-Length', String(file?.size ?? inline?.length ?? 0)]);
    }
    if (!keepAlive) fields.push(['Connection', 'close']);
    else if (version === '1.0') fields.push(['Connection', 'keep-alive']);
    const head = `HTTP/1.1 ${reply.status} ${REASONS[reply.status] ?? 'Unknown'}\r\n${fields
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n`;
    // A client that stops reading cannot hold the response (and the file) forever.
    const watch = stallWatch(this.#context.idleTimeoutMs, () => socket.destroy());
    try {
      const headBytes = Buffer.from(head, 'latin1');
      if (headOnly || file === undefined) {
        await file?.file.close();
        const bytes = headOnly || inline === undefined ? 0 : inline.length;
        return await this.#writeAll(
          bytes === 0 || inline === undefined ? headBytes : Buffer.concat([headBytes, inline]),
          bytes,
          watch.progress,
        );
      }
      socket.write(headBytes, watch.progress);
      return await this.#sendFile(file.file, file.start ?? 0, file.size, watch.progress);
    } finally {
      watch.stop();
    }
  }

  /** Writes `data` (of which `bytes` are body) and waits until the kernel has it all. */
  #writeAll(data: Buffer, bytes: number, progress: () => void): Promise<Sent> {
    const socket = this.#socket;
    return new Promise((resolve) => {
      const onClose = (): void => {
        resolve({ ok: false, bytes: 0 });
      };
      socket.once('close', onClose);
      socket.write(data, (error) => {
        socket.off('close', onClose);
        progress();
        resolve(
          error === undefined || error === null ? { ok: true, bytes } : { ok: false, bytes: 0 },
        );
      });
    });
  }

  /** Streams `size` bytes of `file` from `start` with backpressure; closes the file. */
  #sendFile(file: FileHandle, start: number, size: number, progress: () => void): Promise<Sent> {
    if (size === 0) return file.close().then(() => ({ ok: true, bytes: 0 }));
    const socket = this.#socket;
    // autoClose (the default) closes the handle when the stream ends, fails or is destroyed.
    const stream = file.createReadStream({ start, end: start + size - 1 });
    return new Promise((resolve) => {
      let read = 0;
      let flushed = 0;
      let ended = false;
      const onDrain = (): void => {
        stream.resume();
      };
      const onClose = (): void => {
        stream.destroy();
        done(false);
      };
      const done = (ok: boolean): void => {
        socket.off('drain', onDrain);
        socket.off('close', onClose);
        resolve({ ok, bytes: flushed });
      };
      socket.on('drain', onDrain);
      socket.once('close', onClose);
      stream.on('data', (chunk: Buffer | string) => {
        read += chunk.length;
        const written = socket.write(chunk, (error) => {
          if (error !== undefined && error !== null) return;
          flushed += chunk.length;
          progress();
          // Done once the kernel has every byte: a log line then tells the truth.
          if (ended && flushed === size) done(true);
        });
        if (!written) stream.pause();
      });
      // A file that shrank since its size was sent leaves the response short: not ok.
      stream.once('end', () => {
        ended = true;
        if (read !== size) done(false);
        else if (flushed === size) done(true);
      });
      stream.once('error', () => {
        done(false);
      });
    });
  }

  /** Starts the deadline for the next request head. */
  #armDeadline(): void {
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => {
      // Part of a request is an answer owed (408); an idle keep-alive connection just ends.
      if (this.#buffer.length > 0) {
        this.#failAndClose(errorReply(408, 'the request head took too long'));
      } else {
        this.#finish();
      }
    }, this.#context.idleTimeoutMs);
  }

  /** Answers a request that cannot be served, then closes. */
  #failAndClose(reply: Reply): void {
    clearTimeout(this.#deadline);
    this.#busy = true;
    void this.#write(reply, false, false, '1.1').then(() => {
      this.#finish();
    });
  }

  /**
   * Ends our side and keeps reading until the client closes. Destroying the socket at once
   * while the client is still sending (a 431 to a large head) would make the kernel answer
   * with a reset, which can discard the response before the client reads it.
   */
  #finish(): void {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#deadline);
    const socket = this.#socket;
    socket.end();
    socket.resume();
    this.#linger = setTimeout(
      () => socket.destroy(),
      Math.min(this.#context.idleTimeoutMs, MAX_LINGER_MS),
    );
  }
}
