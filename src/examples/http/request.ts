/**
 * The HTTP server's view of one request: what `node:http` (llhttp) parsed, checked further
 * and reduced to what the handlers use. llhttp refuses malformed heads, obs-fold, bad header
 * names and conflicting or malformed `Content-Length` (so a request cannot be smuggled
 * past it); this module refuses what llhttp accepts but this server does not: a version
 * other than 1.x, an HTTP/1.1 request without exactly one `Host`, a target that is not a
 * path or an absolute URL, and a path whose percent-encoding is not UTF-8.
 */
import type { IncomingMessage } from 'node:http';

/** One request, as the handlers see it (the head only: GET and HEAD have no body). */
export interface HttpRequest {
  /** The method, case-sensitive as RFC 9110 says (`GET`, `HEAD`, `POST`…). */
  readonly method: string;
  /** The request target as sent, such as `/docs/a%20b.txt?x=1`. */
  readonly target: string;
  /** The path part of the target, still percent-encoded (`/docs/a%20b.txt`). */
  readonly rawPath: string;
  /** The path, percent-decoded as UTF-8 (`/docs/a b.txt`). */
  readonly path: string;
  /** The query string without its `?`, or `''`. */
  readonly query: string;
  /** The version: `1.0` or `1.1`. */
  readonly version: '1.0' | '1.1';
  /** The header fields by lower-case name; repeated list fields joined with `, `. */
  readonly headers: { get(name: string): string | undefined };
  /**
   * Whether the request announces a body (`Content-Length` above 0 or `Transfer-Encoding`).
   * This server reads no bodies, so it answers such a request and closes the connection.
   */
  readonly hasBody: boolean;
}

/** Why a request is refused before it is routed. */
export interface RequestError {
  readonly status: 400 | 505;
  readonly reason: string;
}

// absolute-form (RFC 9112 §3.2.2): servers must accept it; only its path and query are used.
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*([^#]*)$/i;

/** Reads the request `node:http` parsed, or says why it is refused. */
export function readRequest(message: IncomingMessage): HttpRequest | RequestError {
  const { httpVersionMajor: major, httpVersionMinor: minor, url: target = '' } = message;
  if (major !== 1) {
    // llhttp accepts HTTP/0.9 (no version at all) and 2.0 in a request line.
    return major > 1
      ? { status: 505, reason: `HTTP version ${major}.${minor} is not supported` }
      : { status: 400, reason: 'malformed request line' };
  }
  const version = minor === 0 ? '1.0' : '1.1';
  // node:http keeps only the first of repeated Host fields: count them in the raw list.
  if (version === '1.1') {
    let hosts = 0;
    const raw = message.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]?.length === 4 && raw[i]?.toLowerCase() === 'host') hosts++;
    }
    if (hosts !== 1) {
      return { status: 400, reason: 'an HTTP/1.1 request must have exactly one Host header' };
    }
  }
  let pathAndQuery: string;
  if (target.startsWith('/')) {
    pathAndQuery = target;
  } else {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (absolute === null)
      return { status: 400, reason: `unsupported request target \`${target}\`` };
    // `http://host` and `http://host?q` have an empty path, which means `/`.
    const rest = absolute[1] ?? '';
    pathAndQuery = rest.startsWith('/') ? rest : `/${rest}`;
  }
  const question = pathAndQuery.indexOf('?');
  const rawPath = question === -1 ? pathAndQuery : pathAndQuery.slice(0, question);
  const query = question === -1 ? '' : pathAndQuery.slice(question + 1);
  let path: string;
  try {
    // Throws on a `%` not followed by two hex digits, and on bytes that are not UTF-8.
    path = rawPath.includes('%') ? decodeURIComponent(rawPath) : rawPath;
  } catch {
    return { status: 400, reason: `malformed percent-encoding in \`${rawPath}\`` };
  }
  const fields = message.headers;
  const length = fields['content-length'];
  const hasBody =
    fields['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
  const headers = {
    get(name: string): string | undefined {
      const value = fields[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
  return { method: message.method ?? '', target, rawPath, path, query, version, headers, hasBody };
}
