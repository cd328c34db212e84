/**
 * The HTTP server's negotiation and validators for static files: whether a body is worth
 * compressing and the client accepts gzip, entity tags and `If-None-Match`, `If-Range`, and
 * the one byte range of a `Range` header (RFC 9110 §8.8, §12.5.3, §13.1, §14).
 */
import { parseHttpDate } from './response.ts';

/** Below this size, gzip's header and trailer cost more than compression saves. */
const MIN_GZIP_SIZE = 256;

/** Whether a file of this type and size is worth compressing: text, and not tiny. */
export function isCompressible(type: string, size: number): boolean {
  if (size < MIN_GZIP_SIZE) return false;
  return (
    type.startsWith('text/') ||
    type.startsWith('application/json') ||
    type.startsWith('application/xml') ||
    type.startsWith('image/svg+xml')
  );
}

/**
 * Whether `Accept-Encoding: header` accepts gzip (RFC 9110 §12.5.3): `gzip` (or `x-gzip`)
 * with a q-value above 0, or `*` above 0 when gzip is not named; no header means identity.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let star: boolean | undefined;
  for (const item of header.split(',')) {
    const [coding = '', ...params] = item.split(';').map((part) => part.trim());
    const q = params.find((param) => /^q=/i.test(param));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    const accepted = Number.isFinite(weight) && weight > 0;
    const name = coding.toLowerCase();
    if (name === 'gzip' || name === 'x-gzip') return accepted;
    if (name === '*') star = accepted;
  }
  return star === true;
}

/**
 * Whether `If-Range: header` names the current file (RFC 9110 §13.1.5): an entity tag by
 * strong comparison (a weak tag never matches, so with this server's weak tags a range is
 * resumed by date), or the exact `Last-Modified` date when it is a strong validator (the
 * file is at least a second older than now).
 */
export function ifRangeHolds(
  header: string,
  etag: string,
  stats: { readonly mtimeMs: number },
): boolean {
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    return !value.startsWith('W/') && !etag.startsWith('W/') && value === etag;
  }
  const time = parseHttpDate(value);
  const modified = Math.floor(stats.mtimeMs / 1000) * 1000;
  return time === modified && Date.now() - stats.mtimeMs >= 1000;
}

export function opaqueTag(tag: string): string {
  return tag.trim().replace(/^W\//, '').slice(1, -1);
}

/**
 * A weak entity tag from what changes when the file does: its size, modification time and
 * inode (`W/"1a2b-18c3f0e2d4a-7f01"`). Weak: two files equal in these may still differ in
 * bytes written within the same clock tick.
 */
export function entityTag(size: number, mtimeMs: number, ino: number): string {
  return `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}-${ino.toString(16)}"`;
}

/**
 * Whether `If-None-Match: header` fails for a resource tagged `etag`, i.e. the client's copy
 * is current (304): `*`, or one of its tags equal by weak comparison (RFC 9110 §8.8.3.2).
 */
export function noneMatchFails(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => opaqueTag(tag) === opaqueTag(etag));
}

/**
 * The byte range of `Range: header` in a file of `size` bytes, as `[first, last]`
 * (inclusive); `'unsatisfiable'` (416) when it starts past the end; `undefined` when the
 * header is not one range of bytes, which is then ignored (the whole file, 200), as RFC 9110
 * §14.2 allows: several ranges are not served as multipart here.
 */
export function parseRange(
  header: string,
  size: number,
): readonly [number, number] | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    // A suffix: the last N bytes.
    const count = Number(to);
    if (count === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : [Math.max(0, size - count), size - 1];
  }
  const first = Number(from);
  const last = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (to !== '' && Number(to) < first) return undefined;
  if (first >= size) return 'unsatisfiable';
  return [first, last];
}
