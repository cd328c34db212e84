/**
 * One request and its response on `node:http`: routes the request (static file or `/dyn/`
 * page), writes the reply with backpressure, cancels a page whose client went away, drops a
 * client that stops reading, and logs the exchange in Common Log Format.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { readRequest, type HttpRequest } from './request.ts';
import { errorReply, REASONS, type FileBody, type Reply } from './response.ts';
import { serveStatic, type StaticRoot } from './static.ts';
import { clfTime, CUT_STATUS, stallWatch } from './watch.ts';

/** Renders the pages under `/dyn/`; see `dynamic.ts`. */
export interface DynamicPages {
  handle(request: HttpRequest, signal: AbortSignal): Promise<Reply>;
  close(): Promise<void>;
}

/** What every request of one server shares. */
export interface Context {
  readonly root: StaticRoot;
  readonly dynamic: DynamicPages | undefined;
  readonly idleTimeoutMs: number;
  readonly gzip: boolean;
  readonly log: ((line: string) => void) | undefined;
  /** Whether the server is closing: responses then close their connections. */
  readonly draining: () => boolean;
}

/** What writing a reply came to: whether all of it went out, and the body bytes that did. */
interface Sent {
  readonly ok: boolean;
  readonly bytes: number;
}

/** Answers one request; resolves once the response is complete or cut. */
export async function answer(
  message: IncomingMessage,
  res: ServerResponse,
  context: Context,
): Promise<void> {
  const started = context.log === undefined ? undefined : new Date();
  const socket = message.socket;
  const remote = socket.remoteAddress ?? '-';
  const request = readRequest(message);
  let reply: Reply;
  if ('status' in request) {
    reply = errorReply(request.status, request.reason);
  } else {
    try {
      reply = await route(request, res, context);
    } catch (error) {
      // The client learns nothing of the server's internals; the log says what went wrong.
      reply = errorReply(500);
      if (!res.destroyed) {
        context.log?.(`Error answering ${request.method} ${request.target}: ${String(error)}`);
      }
    }
  }
  // This server reads no bodies: after a request with one, the stream is not framed.
  const keepAlive = !('status' in request) && !request.hasBody && !context.draining();
  const sent = await send(res, reply, message.method === 'HEAD', keepAlive, context.idleTimeoutMs);
  // Common Log Format: host ident user [time] "request line" status bytes.
  const status = sent.ok ? reply.status : CUT_STATUS;
  context.log?.(
    `${remote} - - ${clfTime(started ?? new Date())} "${message.method ?? '-'} ${message.url ?? '-'} HTTP/${message.httpVersion}" ${status} ${sent.bytes === 0 ? '-' : sent.bytes}`,
  );
  // A response begun before the server started closing ends its connection too.
  if (context.draining() && !socket.destroyed) socket.end();
}

function route(request: HttpRequest, res: ServerResponse, context: Context): Promise<Reply> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return Promise.resolve(
      errorReply(405, `${request.method} is not served here`, { Allow: 'GET, HEAD' }),
    );
  }
  const { dynamic, root } = context;
  if (dynamic !== undefined && (request.path === '/dyn' || request.path.startsWith('/dyn/'))) {
    // Aborted when the client goes away before the page is sent: its rendering is cancelled.
    // (A client that half-closes counts: node:http then closes the response.)
    const gone = new AbortController();
    const onClose = (): void => {
      gone.abort();
    };
    res.once('close', onClose);
    return dynamic.handle(request, gone.signal).finally(() => res.off('close', onClose));
  }
  return serveStatic(root, request, { gzip: context.gzip });
}

/**
 * Writes a reply: an in-memory body in one write, a file (or a compressed body) streamed with
 * backpressure. A client that takes nothing for `idleMs` is dropped.
 */
async function send(
  res: ServerResponse,
  reply: Reply,
  headOnly: boolean,
  keepAlive: boolean,
  idleMs: number,
): Promise<Sent> {
  const { body } = reply;
  let file: FileBody | undefined;
  let inline: Buffer | string | undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) inline = body;
  else file = body;
  if (res.destroyed) {
    closeBody(file);
    return { ok: false, bytes: 0 };
  }
  const headers: OutgoingHttpHeaders = { Server: 'multitask', ...reply.headers };
  // A 304 has no body and no length (RFC 9110 §15.4.5); a compressed body's length is not
  // known before it is compressed (chunked); everything else says its length.
  if (reply.status !== 304 && file?.gzip !== true) {
    headers['Content-Length'] = file?.size ?? Buffer.byteLength(inline ?? '');
  }
  if (!keepAlive) headers.Connection = 'close';
  res.writeHead(reply.status, REASONS[reply.status] ?? 'Unknown', headers);
  // A client that stops reading cannot hold the response (and the file) forever.
  const watch = stallWatch(idleMs, () => res.destroy());
  try {
    if (headOnly || file === undefined || file.size === 0) {
      closeBody(file);
      const data = headOnly ? undefined : inline;
      res.end(data);
      const ok = await finished(res);
      return { ok, bytes: ok && data !== undefined ? Buffer.byteLength(data) : 0 };
    }
    const start = file.start ?? 0;
    let source: Readable;
    if (Buffer.isBuffer(file.file)) {
      // Only a compressed body of bytes in memory comes here (the rest is inline).
      source = Readable.from([file.file.subarray(start, start + file.size)]);
    } else {
      // autoClose (the default) closes the handle when the stream ends, fails or is destroyed.
      source = file.file.createReadStream({ start, end: start + file.size - 1 });
    }
    if (file.gzip !== true) return await pump(res, source, watch.progress, file.size);
    const gzip = createGzip();
    source.once('error', (error) => gzip.destroy(error));
    source.pipe(gzip);
    gzip.once('close', () => source.destroy());
    return await pump(res, gzip, watch.progress, undefined);
  } finally {
    watch.stop();
  }
}

/** Closes the file of a body that is not sent (off the response's path). */
function closeBody(file: FileBody | undefined): void {
  if (file !== undefined && !Buffer.isBuffer(file.file)) file.file.close().catch(() => undefined);
}

/** Resolves true once every byte of the response is with the kernel, false if it is cut. */
function finished(res: ServerResponse): Promise<boolean> {
  if (res.writableFinished) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onFinish = (): void => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      res.off('finish', onFinish);
      resolve(res.writableFinished);
    };
    res.once('finish', onFinish);
    res.once('close', onClose);
  });
}

/**
 * Copies `source` into the response with backpressure, counting the bytes the kernel took
 * (so that the log tells the truth about a cut download); `expected`, when given, is how
 * many bytes the source must yield for the response to be complete.
 */
function pump(
  res: ServerResponse,
  source: Readable,
  progress: () => void,
  expected: number | undefined,
): Promise<Sent> {
  return new Promise((resolve) => {
    let read = 0;
    let flushed = 0;
    const onDrain = (): void => {
      source.resume();
    };
    res.on('drain', onDrain);
    void finished(res).then((ok) => {
      res.off('drain', onDrain);
      if (!ok) source.destroy();
      resolve({ ok, bytes: flushed });
    });
    source.on('data', (chunk: Buffer) => {
      read += chunk.length;
      const written = res.write(chunk, (error) => {
        if (error !== undefined && error !== null) return;
        flushed += chunk.length;
        progress();
      });
      if (!written) source.pause();
    });
    source.once('end', () => {
      // A file that shrank since its size was sent leaves the response short: cut it.
      if (expected !== undefined && read !== expected) res.destroy();
      else res.end();
    });
    source.once('error', () => {
      res.destroy();
    });
  });
}
