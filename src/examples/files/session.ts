/**
 * One client's session with the file server: reads requests, answers them, streams files
 * both ways. The three concurrency models all run this same code; they differ only in where
 * it runs (the main event loop, a thread, a process) and in what `input` and `output` are
 * (the socket itself, or a relay to it).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { constants, createWriteStream } from 'node:fs';
import { lstat, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ByteReader,
  ConnectionClosedError,
  nameProblem,
  NotUtf8Error,
  UPLOAD_PREFIX,
  write,
} from './protocol.ts';

/** `text` fit for one protocol line: control characters (a newline, a NUL) become `?`. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it replaces
  return text.replace(/[\u0000-\u001f\u007f]/g, '?');
}

/** A request that is refused with `ERR <reason>`; the session goes on. */
class Refusal extends Error {}

/** The largest upload accepted, in bytes (a sanity bound on the size field, 1 TiB). */
const MAX_UPLOAD_BYTES = 2 ** 40;

/**
 * The real path of `name` in `root` (itself a real path), following symlinks, refused when
 * it leads outside `root`; `null` when nothing exists under that name.
 */
async function confined(root: string, name: string): Promise<string | null> {
  const problem = nameProblem(name);
  if (problem !== null) throw new Refusal(problem);
  const path = join(root, name);
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // A dangling symlink still names something: refuse it rather than write through it.
    const link = await lstat(path).catch(() => null);
    if (link !== null) throw new Refusal(`\`${name}\` is a link to nothing`);
    return null;
  }
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new Refusal(`\`${name}\` leads outside the served directory`);
  }
  return real;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A directory entry's name if it is valid UTF-8 (the protocol's encoding), else `null`. */
function decodeName(raw: Buffer): string | null {
  try {
    return utf8.decode(raw);
  } catch {
    return null;
  }
}

/**
 * `LIST`: the regular files directly in `root`, hidden ones left out, and those whose name
 * is not valid UTF-8 or is refused by {@link nameProblem}: a name is listed exactly as it
 * can be asked for, never with replacement characters or reordered by bidi controls.
 */
async function list(root: string, output: Writable): Promise<void> {
  const rows: string[] = [];
  const names = (await readdir(root, { encoding: 'buffer' }))
    .map(decodeName)
    .filter((name): name is string => name !== null && nameProblem(name) === null)
    .sort((a, b) => (a < b ? -1 : 1));
  for (const name of names) {
    let real: string | null;
    try {
      real = await confined(root, name);
    } catch {
      continue; // links that lead outside are not part of the library
    }
    if (real === null) continue;
    const info = await stat(real).catch(() => null);
    if (info?.isFile() === true) rows.push(`${info.size} ${name}\n`);
  }
  await write(output, `OK ${rows.length}\n${rows.join('')}`);
}

/** `GET name`: `OK <size>` and the bytes, read from disk as the socket takes them. */
async function get(root: string, name: string, output: Writable): Promise<void> {
  const real = await confined(root, name);
  if (real === null) throw new Refusal(`no such file: \`${name}\``);
  // O_NONBLOCK: opening a FIFO must not wait for a writer (four such waits would fill
  // libuv's pool and hang every client); it changes nothing for a regular file.
  const file = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await file.stat();
    if (info.isDirectory()) throw new Refusal(`\`${name}\` is a directory`);
    if (!info.isFile()) throw new Refusal(`\`${name}\` is not a regular file`);
    // The size announced is the size sent: a file that grows meanwhile is cut at it.
    const size = info.size;
    await write(output, `OK ${size}\n`);
    let sent = 0;
    if (size > 0) {
      for await (const chunk of file.createReadStream({
        start: 0,
        end: size - 1,
        autoClose: false,
      })) {
        sent += (chunk as Buffer).length;
        await write(output, chunk as Buffer);
      }
    }
    if (sent !== size) {
      // The file shrank while it was sent: the client would wait for bytes that never come.
      throw new ConnectionClosedError(`\`${name}\` changed while it was sent`);
    }
  } finally {
    await file.close();
  }
}

/**
 * `PUT size name`: the body goes to a hidden temporary file in `root`, renamed to `name`
 * only once every byte is on disk. If the connection ends first, the temporary file is
 * removed: no half-written file is ever visible under `name`.
 */
async function put(
  root: string,
  args: string,
  reader: ByteReader,
  output: Writable,
): Promise<void> {
  const match = /^(\d+) (.*)$/s.exec(args);
  if (match === null) throw new Refusal('expected `PUT <size> <name>`');
  const size = Number(match[1]);
  const name = match[2] ?? '';
  if (!Number.isSafeInteger(size) || size > MAX_UPLOAD_BYTES) {
    throw new Refusal(`expected a size from 0 to ${MAX_UPLOAD_BYTES} bytes, got ${match[1]}`);
  }
  const existing = await confined(root, name);
  if (existing !== null && (await stat(existing)).isDirectory()) {
    throw new Refusal(`\`${name}\` is a directory`);
  }
  const temp = join(root, `${UPLOAD_PREFIX}${randomBytes(8).toString('hex')}`);
  // 'wx': a fresh file, never one that someone else (or a symlink) put there.
  const file = createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true });
  await once(file, 'open');
  try {
    await write(output, 'READY\n');
    await pipeline(Readable.from(reader.body(size)), file);
    await rename(temp, join(root, name));
  } catch (error) {
    file.destroy();
    await rm(temp, { force: true });
    throw error;
  }
  await write(output, `OK ${size}\n`);
}

/** How long a session that ends keeps reading (and dropping) what the client still sends. */
export const LINGER_MS = 2000;

/**
 * Serves one client until it sends `QUIT` or the connection ends. Refused requests are
 * answered with `ERR <reason>` and the session goes on; a broken connection ends it (an
 * upload in progress is then discarded). Resolves once the session is over; never rejects
 * for what the client did.
 *
 * @param root The served directory, as a real path (`fs.realpath`).
 * @param input The bytes from the client.
 * @param output The bytes to the client; ended when the session ends.
 */
export async function serveSession(
  root: string,
  input: Readable | AsyncIterable<Uint8Array>,
  output: Writable,
): Promise<void> {
  const reader = new ByteReader(input);
  try {
    for (;;) {
      let line: string | null;
      try {
        line = await reader.readLine();
      } catch (error) {
        if (!(error instanceof NotUtf8Error)) throw error;
        await write(output, `ERR ${error.message}\n`);
        continue;
      }
      if (line === null) return;
      const space = line.indexOf(' ');
      const command = space === -1 ? line : line.slice(0, space);
      const args = space === -1 ? '' : line.slice(space + 1);
      try {
        switch (command.toUpperCase()) {
          case 'LIST':
            await list(root, output);
            break;
          case 'GET':
            await get(root, args, output);
            break;
          case 'PUT':
            await put(root, args, reader, output);
            break;
          case 'QUIT':
            await write(output, 'BYE\n');
            return;
          default:
            throw new Refusal(`unknown command \`${command}\` (LIST, GET, PUT, QUIT)`);
        }
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        await write(output, `ERR ${printable(error.message)}\n`);
      }
    }
  } catch (error) {
    // A line too long or a request the session could not finish: say why when the
    // connection still listens, then close it.
    if (!(error instanceof ConnectionClosedError) && !output.destroyed) {
      const reason = error instanceof Error ? error.message : String(error);
      await write(output, `ERR ${printable(reason)}\n`).catch(() => undefined);
    }
  } finally {
    output.end();
    await reader.discard(LINGER_MS);
  }
}
