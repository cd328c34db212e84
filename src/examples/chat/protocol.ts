/**
 * The chat room's wire format: one UDP datagram is one message, UTF-8 text whose first
 * letter says what it is.
 *
 * ```
 * client → server            server → client
 * L name        log in       OK            logged in
 * C name text   say text     NO reason     refused (login, or a datagram the room will not take)
 * E name        leave        M line        a line to show: "ada joined the room", "ada: hi", …
 * P name        keepalive
 * ```
 *
 * A name is 1 to {@link MAX_NAME_LENGTH} characters (after NFKC normalization) with no
 * whitespace, control, bidi or invisible characters, letters of one script, and must not
 * contain the admin's reserved name (see {@link nameProblem}). A datagram is at most
 * {@link MAX_DATAGRAM_BYTES} bytes; longer ones are dropped whole.
 */

/** The port the server listens on when none is given. */
export const DEFAULT_PORT = 5005;

/** The most bytes in one datagram, either way; the server drops longer ones unread. */
export const MAX_DATAGRAM_BYTES = 1024;

/** The most characters in a name. */
export const MAX_NAME_LENGTH = 32;

/** The name the server's console speaks under; no member's name may contain it. */
export const ADMIN_NAME = 'admin';

/** A datagram from a client, parsed. */
export type ClientMessage =
  | { readonly type: 'login'; readonly name: string }
  | { readonly type: 'chat'; readonly name: string; readonly text: string }
  | { readonly type: 'exit'; readonly name: string }
  | { readonly type: 'ping'; readonly name: string };

/** A datagram from the server, parsed. */
export type ServerMessage =
  | { readonly type: 'ok' }
  | { readonly type: 'refused'; readonly reason: string }
  | { readonly type: 'line'; readonly line: string };

/** The outcome of parsing: the message, or why the datagram is malformed. */
export type Parsed<T> =
  { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: string };

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

// Whitespace and control characters (C0, DEL, C1): a name is one word, and neither names
// nor texts may carry a newline or a terminal escape into the other members' screens.
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;
const CONTROL = /\p{Cc}/u;

// Characters that reorder what is displayed: `b\u202eob` shows as `bbo`.
const BIDI = /\p{Bidi_Control}/u;
// Characters that show nothing: `ad\u200bmin` looks like `admin`.
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]/u;

/** The scripts told apart in names; letters of any other script count as one more. */
const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Cherokee',
  'Hebrew',
  'Arabic',
  'Devanagari',
  'Bengali',
  'Thai',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Bopomofo',
].map((name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')] as const);

/** Scripts written together: Japanese mixes Han and kana, Korean Han and Hangul. */
const WRITTEN_TOGETHER: readonly (readonly string[])[] = [
  ['Han', 'Hiragana', 'Katakana'],
  ['Han', 'Hangul'],
  ['Han', 'Bopomofo'],
];

/** The scripts of the letters of `name` (digits, punctuation and marks belong to none). */
function scriptsOf(name: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of name) {
    if (!/\p{L}/u.test(char)) continue;
    scripts.add(SCRIPTS.find(([, pattern]) => pattern.test(char))?.[0] ?? 'Other');
  }
  return scripts;
}

/**
 * Letters of other scripts that look like Latin ones (from Unicode's confusables.txt), so
 * that a whole-script look-alike of a name (`аdmіn` in Cyrillic) is the same name.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  п: 'n',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ѕ: 's',
  һ: 'h',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ӏ: 'l',
  '0': 'o',
  '1': 'l',
  '|': 'l',
};

/** A name as the room keeps it: NFKC, so `ａｄａ` (full width) and `ada` are one name. */
export function normalizeName(name: string): string {
  return name.normalize('NFKC');
}

/**
 * The key names are compared by: normalized, lower-cased, look-alike letters mapped to the
 * Latin ones. Two names with one key are one name (`Ada`, `ADA`, `аda` in Cyrillic).
 */
export function nameKey(name: string): string {
  let key = '';
  for (const char of normalizeName(name).toLowerCase()) key += LOOK_ALIKES[char] ?? char;
  return key;
}

/**
 * Why `name` cannot be a member's name, or `undefined` when it can. The name is first
 * normalized (NFKC); it is then refused when it has invisible or bidi control characters,
 * or mixes scripts (Latin with Cyrillic: `аdmin`), which is how one name poses as another.
 * @param reserved The admin's name; a name containing it, in any case or look-alike letters,
 * is refused.
 * @example
 * ```ts
 * nameProblem('ada');        // undefined
 * nameProblem('Admin2');     // 'names containing "admin" are reserved'
 * ```
 */
export function nameProblem(name: string, reserved = ADMIN_NAME): string | undefined {
  const normal = normalizeName(name);
  if (normal.length === 0) return 'empty name';
  if (normal.length > MAX_NAME_LENGTH) return `name longer than ${MAX_NAME_LENGTH} characters`;
  if (WHITESPACE_OR_CONTROL.test(normal)) {
    return 'names may not contain spaces or control characters';
  }
  if (BIDI.test(normal)) return 'names may not contain bidirectional control characters';
  if (INVISIBLE.test(normal)) return 'names may not contain invisible characters';
  const scripts = scriptsOf(normal);
  if (
    scripts.size > 1 &&
    !WRITTEN_TOGETHER.some((group) => [...scripts].every((script) => group.includes(script)))
  ) {
    return `names may not mix scripts (${[...scripts].join(' and ')})`;
  }
  if (reserved !== '' && nameKey(normal).includes(nameKey(reserved))) {
    return `names containing "${reserved}" are reserved`;
  }
  return undefined;
}

/** Why `text` cannot be said in the room, or `undefined` when it can. */
export function textProblem(text: string): string | undefined {
  if (text.trim() === '') return 'empty text';
  if (CONTROL.test(text)) return 'text may not contain control characters';
  return undefined;
}

/** Parses a datagram from a client. Never throws: a malformed datagram is an `error`. */
export function parseClientMessage(data: Uint8Array): Parsed<ClientMessage> {
  if (data.byteLength > MAX_DATAGRAM_BYTES) {
    return { ok: false, error: `oversized datagram (${data.byteLength} bytes)` };
  }
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return { ok: false, error: 'datagram is not UTF-8 text' };
  }
  const kind = text.slice(0, 2);
  const rest = text.slice(2);
  switch (kind) {
    case 'L ':
      // Any name, even an empty one: whether it will do is the room's to answer.
      return { ok: true, message: { type: 'login', name: rest } };
    case 'E ':
    case 'P ': {
      if (rest === '' || WHITESPACE_OR_CONTROL.test(rest)) {
        return { ok: false, error: `expected "${kind}NAME", got ${JSON.stringify(text)}` };
      }
      return { ok: true, message: { type: kind === 'E ' ? 'exit' : 'ping', name: rest } };
    }
    case 'C ': {
      const space = rest.indexOf(' ');
      const name = space === -1 ? '' : rest.slice(0, space);
      const said = space === -1 ? '' : rest.slice(space + 1);
      if (name === '' || WHITESPACE_OR_CONTROL.test(name) || textProblem(said) !== undefined) {
        return { ok: false, error: `expected "C NAME TEXT", got ${JSON.stringify(text)}` };
      }
      return { ok: true, message: { type: 'chat', name, text: said } };
    }
    default:
      return { ok: false, error: `unknown message ${JSON.stringify(text.slice(0, 40))}` };
  }
}

/** Parses a datagram from the server. Never throws: a malformed datagram is an `error`. */
export function parseServerMessage(data: Uint8Array): Parsed<ServerMessage> {
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return { ok: false, error: 'datagram is not UTF-8 text' };
  }
  if (text === 'OK') return { ok: true, message: { type: 'ok' } };
  if (text.startsWith('NO '))
    return { ok: true, message: { type: 'refused', reason: text.slice(3) } };
  if (text.startsWith('M ')) return { ok: true, message: { type: 'line', line: text.slice(2) } };
  return { ok: false, error: `unknown message ${JSON.stringify(text.slice(0, 40))}` };
}

/** The datagram of a client's message. */
export function encodeClientMessage(message: ClientMessage): Uint8Array {
  switch (message.type) {
    case 'login':
      return encoder.encode(`L ${message.name}`);
    case 'chat':
      return encoder.encode(`C ${message.name} ${message.text}`);
    case 'exit':
      return encoder.encode(`E ${message.name}`);
    case 'ping':
      return encoder.encode(`P ${message.name}`);
  }
}

/** The datagram of a server's message. */
export function encodeServerMessage(message: ServerMessage): Uint8Array {
  switch (message.type) {
    case 'ok':
      return encoder.encode('OK');
    case 'refused':
      return encoder.encode(`NO ${message.reason}`);
    case 'line':
      return encoder.encode(`M ${message.line}`);
  }
}
