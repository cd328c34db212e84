/**
 * What the HTTP server's handlers answer with, and the small pieces of HTTP they share:
 * status reasons, HTTP dates and HTML escaping. `exchange.ts` writes a {@link Reply} on
 * `node:http`, adding `Server`, `Content-Length` and `Connection` (and node:http `Date`).
 */
import type { FileHandle } from 'node:fs/promises';

/**
 * A file to send: `size` bytes from `start` (default 0) of an open handle, which the sender
 * closes, or of the file's bytes already in memory; with `gzip`, the bytes go through gzip
 * on the way (length unknown, so chunked).
 */
export interface FileBody {
  readonly file: FileHandle | Buffer;
  readonly size: number;
  readonly start?: number;
  readonly gzip?: boolean;
}

/** A response, before it is written (see `exchange.ts`). */
export interface Reply {
  readonly status: number;
  /** Header fields other than `Date`, `Server`, `Connection` and `Content-Length`. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The body: a small one in memory, or an open file. No body for 304, and none is sent
   * for HEAD.
   */
  readonly body?: string | Buffer | FileBody;
}

/** The reason phrases of the statuses this server sends. */
export const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  206: 'Partial Content',
  301: 'Moved Permanently',
  304: 'Not Modified',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  414: 'URI Too Long',
  416: 'Range Not Satisfiable',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** A plain-text reply for an error status: `404 Not Found` and, if given, why. */
export function errorReply(
  status: number,
  detail?: string,
  headers: Readonly<Record<string, string>> = {},
): Reply {
  const reason = REASONS[status] ?? 'Error';
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
    body: `${status} ${reason}${detail === undefined ? '' : `: ${detail}`}\n`,
  };
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Formats a time as an HTTP-date in the preferred IMF-fixdate form (RFC 9110 §5.6.7). */
export function formatHttpDate(time: Date | number): string {
  // toUTCString() is specified (ECMA-262 §21.4.4.43) to give exactly IMF-fixdate.
  return new Date(time).toUTCString();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
const RFC850_DATE =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-([A-Z][a-z]{2})-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/;
const ASCTIME_DATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/;

/**
 * Parses an HTTP-date in any of the three forms a recipient must accept (RFC 9110 §5.6.7):
 * IMF-fixdate, the obsolete RFC 850 form and asctime.
 * @returns Milliseconds since the epoch, or `undefined` when `text` is not an HTTP-date
 * (a recipient then ignores the header field).
 */
export function parseHttpDate(text: string): number | undefined {
  let day: string, month: string, year: number, h: string, m: string, s: string;
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) {
    [, day = '', month = '', , h = '', m = '', s = ''] = match;
    year = Number(match[3]);
  } else if ((match = RFC850_DATE.exec(text)) !== null) {
    [, day = '', month = '', , h = '', m = '', s = ''] = match;
    // Two-digit years: RFC 9110 says to read one more than 50 years ahead as the past.
    const yy = Number(match[3]);
    const now = new Date().getUTCFullYear();
    year = Math.floor(now / 100) * 100 + yy;
    if (year > now + 50) year -= 100;
  } else if ((match = ASCTIME_DATE.exec(text)) !== null) {
    [, month = '', day = '', h = '', m = '', s = ''] = match;
    year = Number(match[6]);
  } else {
    return undefined;
  }
  const monthIndex = MONTHS.indexOf(month);
  if (monthIndex === -1 || Number(h) > 23 || Number(m) > 59 || Number(s) > 59) return undefined;
  const time = Date.UTC(year, monthIndex, Number(day), Number(h), Number(m), Number(s));
  // Date.UTC rolls 31 Feb over into March: such a date is not a date.
  return new Date(time).getUTCDate() === Number(day) ? time : undefined;
}
