/**
 * The HTTP server's request parser: the request line and header fields of one HTTP/1.x
 * request (RFC 9112), read from the bytes a connection has received so far. It is written
 * by hand on purpose: this is what `node:http` does for a server, and what the course asks
 * to see.
 *
 * The parser is a pure function over a buffer, so that the connection can call it each time
 * more bytes arrive: it answers "incomplete", a request and how many bytes it took, or the
 * error status to answer with (after which the connection closes, since the stream can no
 * longer be trusted to be framed correctly).
 */

/** One parsed request: the head only (GET and HEAD have no body). */
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
  /** The minor version: `1.0` or `1.1`. */
  readonly version: '1.0' | '1.1';
  /**
   * The header fields, by lower-case name; repeated fields are joined with `, ` as RFC 9110
   * allows for list-valued fields.
   */
  readonly headers: ReadonlyMap<string, string>;
  /** Whether the connection stays open after the response (HTTP/1.1 default, or keep-alive). */
  readonly keepAlive: boolean;
  /**
   * Whether the request announces a body (`Content-Length` above 0 or `Transfer-Encoding`).
   * This server reads no bodies, so it answers such a request and closes the connection.
   */
  readonly hasBody: boolean;
}

/** What {@link parseRequest} found in the buffer. */
export type ParseResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'request'; readonly request: HttpRequest; readonly consumed: number }
  | { readonly kind: 'error'; readonly status: 400 | 414 | 431 | 505; readonly reason: string };

// RFC 9110 §5.6.2: token = 1*tchar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A request target: visible ASCII only (RFC 9112 §3.2; no spaces, controls or raw UTF-8).
const TARGET = /^[\x21-\x7e]+$/;
// A field value: visible characters, spaces, tabs and obs-text; no other controls (§5.5).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// absolute-form (§3.2.2): servers must accept it; only its path and query are used here.
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*([^#]*)$/i;

/**
 * Parses the head of the first request in `buffer`.
 *
 * Lines may end in CRLF or, as RFC 9112 §2.2 allows a recipient to accept, a bare LF. Empty
 * lines before the request line are skipped (§2.2). The whole head, request line included,
 * may take at most `maxHeaderBytes`: past that, a request line still without its end is
 * answered 414 (URI Too Long), anything else 431 (Request Header Fields Too Large).
 *
 * @param buffer The bytes received and not yet consumed.
 * @param maxHeaderBytes The largest head accepted, in bytes.
 * @example
 * ```ts
 * const result = parseRequest(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 8192);
 * // { kind: 'request', consumed: 27, request: { method: 'GET', path: '/', … } }
 * ```
 */
export function parseRequest(buffer: Buffer, maxHeaderBytes: number): ParseResult {
  // Skip the empty lines a client may send between requests.
  let start = 0;
  while (start < buffer.length && (buffer[start] === 0x0d || buffer[start] === 0x0a)) start++;
  // Latin-1 maps each byte to one character, so string offsets are byte offsets.
  const text = buffer.toString(
    'latin1',
    start,
    Math.min(buffer.length, start + maxHeaderBytes + 4),
  );
  const end = /\r?\n\r?\n/.exec(text);
  if (end === null || end.index > maxHeaderBytes) {
    if (buffer.length - start <= maxHeaderBytes) return { kind: 'incomplete' };
    return text.includes('\n')
      ? { kind: 'error', status: 431, reason: `request head exceeds ${maxHeaderBytes} bytes` }
      : { kind: 'error', status: 414, reason: `request line exceeds ${maxHeaderBytes} bytes` };
  }
  const consumed = start + end.index + end[0].length;
  const lines = text.slice(0, end.index).split(/\r?\n/);
  const parsed = parseHead(lines);
  return 'status' in parsed
    ? { kind: 'error', ...parsed }
    : { kind: 'request', request: parsed, consumed };
}

type HeadError = { readonly status: 400 | 505; readonly reason: string };

function bad(reason: string): HeadError {
  return { status: 400, reason };
}

function parseHead(lines: readonly string[]): HttpRequest | HeadError {
  const [requestLine = '', ...fieldLines] = lines;
  // request-line = method SP request-target SP HTTP-version: exactly two single spaces.
  const parts = requestLine.split(' ');
  if (parts.length !== 3) return bad(`malformed request line \`${requestLine}\``);
  const [method = '', target = '', versionText = ''] = parts;
  if (!TOKEN.test(method)) return bad(`malformed method \`${method}\``);
  const version = /^HTTP\/(\d)\.(\d)$/.exec(versionText);
  if (version === null) return bad(`malformed HTTP version \`${versionText}\``);
  if (version[1] !== '1') {
    return { status: 505, reason: `HTTP version ${versionText.slice(5)} is not supported` };
  }
  if (!TARGET.test(target)) return bad('malformed request target');

  const headers = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const line of fieldLines) {
    // obs-fold (a line starting with whitespace) must be rejected by a server (§5.2).
    if (line.startsWith(' ') || line.startsWith('\t')) return bad('obsolete line folding');
    const colon = line.indexOf(':');
    if (colon <= 0) return bad(`malformed header line \`${line}\``);
    const name = line.slice(0, colon);
    // No whitespace between the name and the colon (§5.1): it has enabled request smuggling.
    if (!TOKEN.test(name)) return bad(`malformed header name \`${name}\``);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) return bad(`control character in header \`${name}\``);
    const key = name.toLowerCase();
    const previous = headers.get(key);
    headers.set(key, previous === undefined ? value : `${previous}, ${value}`);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  const minor = version[2] === '0' ? '1.0' : '1.1';
  if (minor === '1.1' && counts.get('host') !== 1) {
    return bad('an HTTP/1.1 request must have exactly one Host header');
  }
  const contentLength = headers.get('content-length');
  if (contentLength !== undefined && !/^\d+(?:\s*,\s*\d+)*$/.test(contentLength)) {
    return bad(`malformed Content-Length \`${contentLength}\``);
  }
  const lengths = new Set(contentLength?.split(',').map((n) => Number(n.trim())));
  if (lengths.size > 1) return bad('conflicting Content-Length values');
  const hasBody = headers.has('transfer-encoding') || [...lengths].some((n) => n > 0);

  let pathAndQuery: string;
  if (target.startsWith('/')) {
    pathAndQuery = target;
  } else {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (absolute === null) return bad(`unsupported request target \`${target}\``);
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
    path = decodeURIComponent(rawPath);
  } catch {
    return bad(`malformed percent-encoding in \`${rawPath}\``);
  }

  const connection = (headers.get('connection') ?? '').toLowerCase().split(/\s*,\s*/);
  const keepAlive =
    minor === '1.1' ? !connection.includes('close') : connection.includes('keep-alive');
  return { method, target, rawPath, path, query, version: minor, headers, keepAlive, hasBody };
}
