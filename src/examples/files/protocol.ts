/**
 * The file server's wire protocol, shared by the server's session and the client.
 *
 * Requests and replies are lines (UTF-8, ending in `\n`); file bodies follow a line that
 * gives their size in bytes, so that a body of any size streams with nothing to escape:
 *
 * ```
 * LIST                 → OK <count>, then <count> lines `<size> <name>`
 * GET <name>           → OK <size>, then <size> bytes         | ERR <reason>
 * PUT <size> <name>    → READY, then the client sends <size> bytes, then OK <size>
 *                                                              | ERR <reason>
 * QUIT                 → BYE, and the server closes the connection
 * ```
 *
 * The name comes last so that it may contain spaces. `PUT` waits for `READY` before the
 * body, so that a refused upload (a bad name) costs no transfer.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { ArgumentRangeError } from '../../index.ts';

/** The longest request or reply line, in bytes; longer ones end the connection. */
export const MAX_LINE_BYTES = 4096;

/** The longest file name, in bytes (most file systems' limit). */
export const MAX_NAME_BYTES = 255;

/** The prefix of an upload's temporary file in the served directory (hidden, never served). */
export const UPLOAD_PREFIX = '.upload-';

/** A reply that refuses a request: `ERR <reason>`, raised by the client. */
export class FileServerError extends Error {
  override readonly name = 'FileServerError';
  readonly code = 'ERR_FILE_REFUSED';
  /** The server's reason, as it sent it. */
  readonly reason: string;

  constructor(reason: string) {
    super(`The server refused: ${reason}`);
    this.reason = reason;
  }
}

/** The connection ended in the middle of a line or a body. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly code = 'ERR_CONNECTION_CLOSED';
}

/** A request line that is not valid UTF-8: refused, and the session goes on. */
export class NotUtf8Error extends Error {
  override readonly name = 'NotUtf8Error';
  readonly code = 'ERR_NOT_UTF8';
}

/** A line from the other side that the protocol has no place for. */
export class BadReplyError extends Error {
  override readonly name = 'BadReplyError';
  readonly code = 'ERR_BAD_REPLY';
}

/**
 * The bidirectional formatting characters (Unicode's Bidi_Control property): they reorder
 * what is displayed, so `a\u202etxt.exe` would list as `aexe.txt`.
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * Why `name` may not be used as a file name in the served directory, or `null` when it may.
 * A name is one path component, so that it can only ever mean a file directly inside the
 * directory: no separators (which also rules out absolute paths), no `.` or `..`, no NUL and
 * no control characters (a newline would break the protocol's lines, C1 controls drive
 * terminals) and no bidirectional formatting characters (they disguise a name). Names starting with
 * `.` are hidden: temporary uploads live under them.
 */
export function nameProblem(name: string): string | null {
  if (name === '') return 'a file name is required';
  if (name.includes('\0')) return 'a file name may not contain a NUL byte';
  if (name === '.' || name === '..') return `\`${name}\` is not a file in the served directory`;
  if (name.includes('/') || name.includes('\\')) {
    return `a file name may not contain a path separator: \`${name}\``;
  }
  if (/\p{Cc}/u.test(name)) return 'a file name may not contain control characters';
  if (BIDI_CONTROLS.test(name)) {
    return 'a file name may not contain bidirectional formatting characters';
  }
  if (name.includes('\ufffd')) return 'a file name must be valid UTF-8';
  if (name.startsWith('.')) return `hidden names (starting with \`.\`) are not served: \`${name}\``;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    return `a file name may be at most ${MAX_NAME_BYTES} bytes long`;
  }
  return null;
}

/**
 * Reads a byte stream as the protocol's lines and sized bodies. It pulls chunks only when
 * asked, so a body streamed through {@link ByteReader.body} is read at the pace of whoever
 * consumes it: the socket's own flow control is the backpressure.
 */
export class ByteReader {
  static readonly #utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  readonly #chunks: AsyncIterator<Uint8Array>;
  #buffer: Buffer = Buffer.alloc(0);
  #ended = false;

  constructor(input: Readable | AsyncIterable<Uint8Array>) {
    this.#chunks = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  }

  /** Pulls the next chunk into the buffer; false at the end of the stream. */
  async #pull(): Promise<boolean> {
    if (this.#ended) return false;
    const next = await this.#chunks.next();
    if (next.done === true) {
      this.#ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value)
      ? next.value
      : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    return true;
  }

  /**
   * The next line without its `\n` (and `\r`), or `null` at the end of the stream.
   * @throws {RangeError} when the line is longer than {@link MAX_LINE_BYTES}.
   * @throws {ConnectionClosedError} when the stream ends in the middle of a line.
   * @throws {NotUtf8Error} when the line is not valid UTF-8 (the line is consumed, so the
   * next call reads the line after it).
   */
  async readLine(): Promise<string | null> {
    for (;;) {
      const end = this.#buffer.indexOf(0x0a);
      if (end !== -1 && end <= MAX_LINE_BYTES) {
        const bytes = this.#buffer.subarray(0, end);
        this.#buffer = this.#buffer.subarray(end + 1);
        let line: string;
        try {
          // Never decode with replacement characters: a name would silently change.
          line = ByteReader.#utf8.decode(bytes);
        } catch {
          throw new NotUtf8Error('a line must be valid UTF-8');
        }
        return line.endsWith('\r') ? line.slice(0, -1) : line;
      }
      if (end !== -1 || this.#buffer.length > MAX_LINE_BYTES) {
        throw new ArgumentRangeError(`a line may be at most ${MAX_LINE_BYTES} bytes long`);
      }
      if (!(await this.#pull())) {
        if (this.#buffer.length === 0) return null;
        throw new ConnectionClosedError('the connection closed in the middle of a line');
      }
    }
  }

  /**
   * Reads and drops what is left of the stream, until it ends or `lingerMs` pass; then
   * stops reading it (`return()` on its iterator, which destroys a socket). A session that
   * ends while the client is still sending calls this after its last reply: closing at once
   * with unread bytes would make the kernel reset the connection, which can discard that
   * reply, and not reading at all would leave the connection open for ever.
   */
  async discard(lingerMs: number): Promise<void> {
    this.#buffer = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => {
        resolve('expired');
      }, lingerMs);
    });
    try {
      while (!this.#ended) {
        const next = await Promise.race([this.#chunks.next(), expired]);
        if (next === 'expired' || next.done === true) break;
      }
    } catch {
      // A reset while discarding ends it the same way.
    } finally {
      clearTimeout(timer);
      this.#ended = true;
      await this.#chunks.return?.().catch(() => undefined);
    }
  }

  /**
   * The next `size` bytes, as chunks, pulled from the stream as they are consumed.
   * @throws {ConnectionClosedError} when the stream ends before `size` bytes.
   */
  async *body(size: number): AsyncGenerator<Buffer, void, undefined> {
    let left = size;
    while (left > 0) {
      if (this.#buffer.length === 0 && !(await this.#pull())) {
        throw new ConnectionClosedError(
          `the connection closed after ${size - left} of ${size} bytes`,
        );
      }
      const take = Math.min(left, this.#buffer.length);
      const chunk = this.#buffer.subarray(0, take);
      this.#buffer = this.#buffer.subarray(take);
      left -= take;
      yield chunk;
    }
  }
}

/**
 * Writes `data` and waits while `output`'s buffer is full ('drain'): the backpressure that
 * keeps a large file from piling up in memory.
 * @throws {ConnectionClosedError} when `output` closes before it drains.
 */
export async function write(output: Writable, data: string | Uint8Array): Promise<void> {
  if (output.destroyed || output.writableEnded) {
    throw new ConnectionClosedError('the connection is closed');
  }
  if (output.write(data)) return;
  const abort = new AbortController();
  try {
    await Promise.race([
      once(output, 'drain', { signal: abort.signal }),
      once(output, 'close', { signal: abort.signal }).then(() => {
        throw new ConnectionClosedError('the connection closed while sending');
      }),
    ]);
  } finally {
    abort.abort();
  }
}
