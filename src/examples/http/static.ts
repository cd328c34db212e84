/**
 * The HTTP server's static files: maps a request path to a file under the served root,
 * refusing every way out of it, and answers with the file (streamed), a 304, the directory's
 * `index.html` or a generated listing.
 *
 * Confinement is checked twice: on the decoded path (no `..` segment and no NUL byte, so
 * `/../x`, `/%2e%2e/x` and `/a/..%2f..%2fx` are refused before the file system is touched),
 * then on the real path of what is opened (`realpath`), so that a symbolic link inside the
 * root that points outside it is refused too.
 */
import { constants, type Stats } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { errorReply, escapeHtml, formatHttpDate, parseHttpDate, type Reply } from './response.ts';
import {
  acceptsGzip,
  entityTag,
  ifRangeHolds,
  isCompressible,
  noneMatchFails,
  opaqueTag,
  parseRange,
} from './negotiation.ts';
import type { HttpRequest } from './request.ts';
import { ArgumentTypeError } from '../../index.ts';
import { FileCache } from './file-cache.ts';

/** Content types by file extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.woff2': 'font/woff2',
};

/** The content type of a file name, from {@link CONTENT_TYPES}. */
export function contentType(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** How files are served. */
export interface ServeOptions {
  /** Compress text types for clients that accept gzip. */
  readonly gzip?: boolean;
}

/** The served directory, by its real path (symbolic links resolved), and its file cache. */
export interface StaticRoot {
  readonly real: string;
  readonly cache: FileCache;
}

/**
 * Files up to this size are read in one call and answered with one write (no stream), and
 * kept in the root's {@link FileCache}.
 */
export const SMALL_FILE = 128 * 1024;

/** How much of small files one server keeps in memory (per process in the process model). */
const CACHE_BYTES = 32 * 1024 * 1024;
const CACHE_ENTRIES = 4096;

/**
 * Resolves the served directory once, at start-up.
 * @throws {Error} when `root` does not exist or is not a directory.
 */
export async function openRoot(root: string): Promise<StaticRoot> {
  const real = await realpath(root);
  if (!(await stat(real)).isDirectory()) {
    throw new ArgumentTypeError(
      `Expected a directory to serve, got \`${root}\` (not a directory)`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return {
    real,
    cache: new FileCache({
      maxFileBytes: SMALL_FILE,
      maxBytes: CACHE_BYTES,
      maxEntries: CACHE_ENTRIES,
    }),
  };
}

function isInside(root: StaticRoot, real: string): boolean {
  return (
    real === root.real || real.startsWith(root.real.endsWith(sep) ? root.real : root.real + sep)
  );
}

/** The error code of a failed file-system call, if it has one. */
function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** Replies to a file-system error: missing is 404, not allowed is 403, the rest 500. */
function fsErrorReply(error: unknown): Reply {
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return errorReply(404);
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return errorReply(403);
  return errorReply(500, code);
}

/**
 * Answers a GET or HEAD for `request.path` under `root`.
 * @returns The reply; a file body is an open handle that the caller must close.
 */
export async function serveStatic(
  root: StaticRoot,
  request: HttpRequest,
  options: ServeOptions = {},
): Promise<Reply> {
  const segments = request.path.split('/');
  if (request.path.includes('\0') || segments.includes('..')) {
    return errorReply(403, 'the path leaves the served directory');
  }
  const path = join(root.real, ...segments);
  // A path with a trailing slash names a directory, which is never cached.
  const directory = request.path.endsWith('/');
  const cached = directory ? undefined : await root.cache.lookup(path);
  if (cached !== undefined)
    return serveFile(cached.real, cached.data, cached.stats, request, options);
  // The real path (for confinement) and the open file at once: two trips to libuv's pool
  // side by side rather than one after the other. What lies out of the root may thus be
  // opened (read-only, non-blocking), but it is closed unread.
  const began = Date.now();
  const [resolved, opened] = await Promise.allSettled([realpath(path), openNonBlocking(path)]);
  const file = opened.status === 'fulfilled' ? opened.value : undefined;
  if (resolved.status === 'rejected' || !isInside(root, resolved.value)) {
    closeQuietly(file);
    return resolved.status === 'rejected'
      ? fsErrorReply(resolved.reason)
      : errorReply(403, 'the path leaves the served directory');
  }
  if (file === undefined) return fsErrorReply(opened.status === 'rejected' ? opened.reason : 0);
  try {
    // fstat the open file: it is what will be sent, whatever the path names by now.
    const stats = await file.stat();
    if (stats.isDirectory()) {
      closeQuietly(file);
      return await serveDirectory(root, resolved.value, request, options);
    }
    // `/file.bin/` names a directory that does not exist (Apache and Python answer 404).
    if (directory) {
      closeQuietly(file);
      return errorReply(404);
    }
    return await serveOpenFile(resolved.value, file, stats, request, options, (data) => {
      root.cache.store(path, { real: resolved.value, stats, data }, began);
    });
  } catch (error) {
    closeQuietly(file);
    return fsErrorReply(error);
  }
}

/**
 * Opens a path for reading with O_NONBLOCK: if it names a FIFO, open() must not wait for a
 * writer (it has no effect on regular files).
 */
function openNonBlocking(path: string): Promise<FileHandle> {
  return open(path, constants.O_RDONLY | constants.O_NONBLOCK);
}

/** Closes a file off the response's path: nothing waits for it, and it cannot fail loudly. */
function closeQuietly(file: FileHandle | Buffer | undefined): void {
  if (file !== undefined && !Buffer.isBuffer(file)) file.close().catch(() => undefined);
}

/**
 * Answers with `file`, open at `real`, whose fstat is `stats`: a small regular file is read
 * whole first (and handed to `keep`), then closed; a larger one is sent from the handle.
 */
async function serveOpenFile(
  real: string,
  file: FileHandle,
  stats: Stats,
  request: HttpRequest,
  options: ServeOptions,
  keep?: (data: Buffer) => void,
): Promise<Reply> {
  if (!stats.isFile() || stats.size > SMALL_FILE) {
    return serveFile(real, file, stats, request, options);
  }
  // Its own memory, not a slice of the shared pool: a cached 1 KB file must not hold 8 KB.
  const data = Buffer.allocUnsafeSlow(stats.size);
  let read: number;
  try {
    ({ bytesRead: read } = await file.read(data, 0, stats.size, 0));
  } finally {
    // Off the response's path: the bytes are in hand.
    closeQuietly(file);
  }
  // The file changed between its fstat and its read: neither describes the other.
  if (read !== stats.size) return errorReply(503, 'the file changed while it was read');
  keep?.(data);
  return serveFile(real, data, stats, request, options);
}

async function serveDirectory(
  root: StaticRoot,
  dir: string,
  request: HttpRequest,
  options: ServeOptions,
): Promise<Reply> {
  // Without the slash, relative links in the page would resolve against the parent.
  if (!request.rawPath.endsWith('/')) {
    // One leading slash only: `//example.com/` would send a browser to another host.
    const path = `/${request.rawPath.replace(/^\/+/, '')}`;
    const location = `${path}/${request.query === '' ? '' : `?${request.query}`}`;
    return {
      status: 301,
      headers: { Location: location, 'Content-Type': 'text/plain; charset=utf-8' },
      body: `301 Moved Permanently: ${location}\n`,
    };
  }
  let index: string | undefined;
  try {
    index = await realpath(join(dir, 'index.html'));
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  if (index !== undefined) {
    // index.html may itself be a link out of the root.
    if (!isInside(root, index)) return errorReply(403, 'the path leaves the served directory');
    const file = await openNonBlocking(index);
    try {
      return await serveOpenFile(index, file, await file.stat(), request, options);
    } catch (error) {
      closeQuietly(file);
      throw error;
    }
  }
  return listDirectory(dir, request.path);
}

async function listDirectory(dir: string, path: string): Promise<Reply> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (path !== '/') names.unshift('../');
  const items = names.map((name) => {
    const href = name.endsWith('/')
      ? `${encodeURIComponent(name.slice(0, -1))}/`
      : encodeURIComponent(name);
    return `<li><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></li>`;
  });
  const title = `Index of ${escapeHtml(path)}`;
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${title}</title></head>`,
    `<body><h1>${title}</h1>`,
    `<ul>`,
    ...items,
    '</ul></body></html>',
    '',
  ].join('\n');
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: html };
}

/**
 * Answers with the file at `real`, whose fstat is `stats`: from `file`, an open handle
 * (closed here unless it is sent), or from its bytes in memory.
 */
function serveFile(
  real: string,
  file: FileHandle | Buffer,
  stats: Stats,
  request: HttpRequest,
  options: ServeOptions,
): Reply {
  try {
    if (!stats.isFile()) {
      closeQuietly(file);
      return errorReply(403, 'not a regular file');
    }
    const type = contentType(real);
    const lastModified = formatHttpDate(stats.mtime);
    const identityTag = entityTag(stats.size, stats.mtimeMs, stats.ino);
    const range = request.headers.get('range');
    // gzip: a text type, a client that accepts it, and a whole body (a range's offsets are
    // offsets into the file, never into a compressed stream).
    const compressible = options.gzip === true && isCompressible(type, stats.size);
    const gzip =
      compressible && range === undefined && acceptsGzip(request.headers.get('accept-encoding'));
    // The compressed body is another representation: another tag, weak since compressing
    // the same bytes again need not give the same bytes.
    const etag = gzip ? `W/"${opaqueTag(identityTag)}-gz"` : identityTag;
    // no-cache: a cache may keep the file but asks each time; ETag makes asking cheap (304).
    const validators: Record<string, string> = {
      ETag: etag,
      'Last-Modified': lastModified,
      'Cache-Control': 'no-cache',
    };
    if (compressible) validators.Vary = 'Accept-Encoding';
    const headers: Record<string, string> = {
      'Content-Type': type,
      'Accept-Ranges': 'bytes',
      ...validators,
    };
    if (gzip) headers['Content-Encoding'] = 'gzip';
    const match = request.headers.get('if-none-match');
    const since = request.headers.get('if-modified-since');
    const sinceTime = since === undefined ? undefined : parseHttpDate(since);
    // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 §13.1.3).
    const notModified =
      match !== undefined
        ? noneMatchFails(match, etag)
        : // HTTP dates have whole seconds: compare the file's time truncated the same way.
          sinceTime !== undefined && Math.floor(stats.mtimeMs / 1000) * 1000 <= sinceTime;
    if (notModified) {
      closeQuietly(file);
      return { status: 304, headers: validators };
    }
    const ifRange = request.headers.get('if-range');
    // If-Range: the range only if the client's copy is this one (else the whole file).
    if (range !== undefined && (ifRange === undefined || ifRangeHolds(ifRange, etag, stats))) {
      const wanted = parseRange(range, stats.size);
      if (wanted === 'unsatisfiable') {
        closeQuietly(file);
        return errorReply(416, undefined, { 'Content-Range': `bytes */${stats.size}` });
      }
      if (wanted !== undefined) {
        const [first, last] = wanted;
        return {
          status: 206,
          headers: { ...headers, 'Content-Range': `bytes ${first}-${last}/${stats.size}` },
          body: Buffer.isBuffer(file)
            ? file.subarray(first, last + 1)
            : { file, start: first, size: last - first + 1 },
        };
      }
    }
    const body = Buffer.isBuffer(file) && !gzip ? file : { file, size: stats.size, gzip };
    return { status: 200, headers, body };
  } catch (error) {
    closeQuietly(file);
    throw error;
  }
}
