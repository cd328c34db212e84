/**
 * The file server's client: one connection, one request at a time, files streamed to and
 * from disk (never held in memory whole).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ArgumentTypeError, StateError } from '../../index.ts';
import {
  BadReplyError,
  ByteReader,
  ConnectionClosedError,
  FileServerError,
  write,
} from './protocol.ts';

/** A file in the server's listing. */
export interface FileEntry {
  readonly name: string;
  /** Its size in bytes. */
  readonly size: number;
}

/** Where {@link FileClient.connect} connects. */
export interface ConnectOptions {
  /** @default '127.0.0.1' */
  readonly host?: string | undefined;
  readonly port: number;
}

function assertSendable(name: string): void {
  if (typeof name !== 'string' || /[\r\n]/.test(name)) {
    throw new ArgumentTypeError(
      `Expected \`name\` to be a string without line breaks, got ${JSON.stringify(name)}`,
    );
  }
}

/**
 * A connection to a file server.
 * @example
 * ```ts
 * const client = await FileClient.connect({ port: 5001 });
 * for (const { name, size } of await client.list()) console.log(name, size);
 * await client.download('notes.txt', '/tmp/notes.txt');
 * await client.upload('/tmp/photo.jpg', 'photo.jpg');
 * await client.quit();
 * ```
 */
export class FileClient {
  readonly #socket: Socket;
  readonly #reader: ByteReader;
  /** The request in progress: the next one starts when it settles. */
  #last: Promise<unknown> = Promise.resolve();

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#reader = new ByteReader(socket);
  }

  /**
   * Connects to a server.
   * @throws {Error} when the connection is refused.
   */
  static async connect(options: ConnectOptions): Promise<FileClient> {
    const socket = createConnection({ host: options.host ?? '127.0.0.1', port: options.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // Errors after connecting surface as a closed connection in the requests.
    socket.on('error', () => undefined);
    return new FileClient(socket);
  }

  /** Runs requests one after another: replies come back in order on one connection. */
  #request<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#last.then(run, run);
    this.#last = result.catch(() => undefined);
    return result;
  }

  /** The next reply line; `ERR` replies are thrown. */
  async #reply(): Promise<string> {
    const line = await this.#reader.readLine();
    if (line === null) throw new ConnectionClosedError('the server closed the connection');
    if (line.startsWith('ERR ')) throw new FileServerError(line.slice(4));
    return line;
  }

  /** The size in an `OK <size>` reply. */
  async #sizeReply(): Promise<number> {
    const line = await this.#reply();
    const match = /^OK (\d+)$/.exec(line);
    if (match === null) throw new BadReplyError(`Unexpected reply from the server: ${line}`);
    return Number(match[1]);
  }

  /**
   * The files the server offers, sorted by name.
   * @throws {FileServerError} when the server refuses.
   */
  list(): Promise<FileEntry[]> {
    return this.#request(async () => {
      await write(this.#socket, 'LIST\n');
      const count = await this.#sizeReply();
      const entries: FileEntry[] = [];
      for (let i = 0; i < count; i++) {
        const line = await this.#reply();
        const space = line.indexOf(' ');
        entries.push({ name: line.slice(space + 1), size: Number(line.slice(0, space)) });
      }
      return entries;
    });
  }

  /**
   * Downloads `name` to the local path `dest` (replaced when it exists) and returns its size.
   * The file is written beside `dest` under a temporary name and renamed when complete.
   * @throws {FileServerError} when the server refuses (no such file, a bad name...).
   */
  download(name: string, dest: string): Promise<number> {
    assertSendable(name);
    return this.#request(async () => {
      await write(this.#socket, `GET ${name}\n`);
      const size = await this.#sizeReply();
      const temp = join(dirname(dest), `.${basename(dest)}.part-${randomBytes(6).toString('hex')}`);
      try {
        await pipeline(Readable.from(this.#reader.body(size)), createWriteStream(temp));
        await rename(temp, dest);
      } catch (error) {
        await rm(temp, { force: true });
        // The rest of the body would be read as replies: this connection is done.
        this.#socket.destroy();
        throw error;
      }
      return size;
    });
  }

  /**
   * Uploads the local file `src` as `name` (by default its base name) and returns its size.
   * The server shows it under `name` only once every byte has arrived.
   * @throws {FileServerError} when the server refuses (a bad name, a directory...).
   */
  upload(src: string, name: string = basename(src)): Promise<number> {
    assertSendable(name);
    return this.#request(async () => {
      const file = await open(src, 'r');
      try {
        const info = await file.stat();
        if (!info.isFile()) {
          throw new ArgumentTypeError(
            `Expected a file to upload, got \`${src}\``,
            'ERR_INVALID_ARG_VALUE',
          );
        }
        const size = info.size;
        await write(this.#socket, `PUT ${size} ${name}\n`);
        const ready = await this.#reply();
        if (ready !== 'READY')
          throw new BadReplyError(`Unexpected reply from the server: ${ready}`);
        let sent = 0;
        if (size > 0) {
          const chunks = file.createReadStream({ start: 0, end: size - 1, autoClose: false });
          for await (const chunk of chunks) {
            sent += (chunk as Buffer).length;
            await write(this.#socket, chunk as Buffer);
          }
        }
        if (sent !== size) {
          this.#socket.destroy();
          throw new StateError(
            'ERR_INVALID_STATE',
            `\`${src}\` shrank while it was uploaded: the upload was abandoned`,
          );
        }
      } finally {
        await file.close();
      }
      return await this.#sizeReply();
    });
  }

  /** Says goodbye and closes the connection. */
  quit(): Promise<void> {
    return this.#request(async () => {
      if (!this.#socket.destroyed) {
        await write(this.#socket, 'QUIT\n').catch(() => undefined);
        await this.#reply().catch(() => undefined);
        this.#socket.end();
      }
      await finished(this.#socket).catch(() => undefined);
      this.#socket.destroy();
    });
  }

  /** Closes the connection at once, abandoning any request in progress. */
  close(): void {
    this.#socket.destroy();
  }
}
