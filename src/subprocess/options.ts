/**
 * The options every way of starting a child program shares (`Popen`, `run`, `runSync`, …),
 * Python's special stdio values, and the text mode: how output is decoded and input encoded.
 */
import type { Stream } from 'node:stream';
import { optionNames } from '../internal/options.ts';
import { rangeError, typeError } from '../internal/validate.ts';

/** Python's `subprocess.PIPE`: a new pipe to or from the child (`Popen#stdin` and so on). */
export const PIPE = -1;
/** Python's `subprocess.STDOUT`, for `stderr` only: the child's stderr goes where its stdout goes. */
export const STDOUT = -2;
/** Python's `subprocess.DEVNULL`: the child reads nothing, or its writes are thrown away. */
export const DEVNULL = -3;

/** A command: the program and its arguments, or one string (a program name, or with `shell` a command line). */
export type Args = string | readonly string[];

/**
 * Where one of the child's standard streams goes: {@link PIPE}, {@link DEVNULL}, `'inherit'`
 * (the default, as Python's `None`), a file descriptor, an object with an `fd` (a `FileHandle`),
 * or a stream that has a file descriptor (a socket, an open `fs` stream).
 */
export type StdioOption =
  | 'inherit'
  // PIPE, DEVNULL (and STDOUT for stderr) are numbers too, below 0 as in Python.
  | number
  | { readonly fd: number }
  | Stream
  | null
  | undefined;

/** The encodings of text mode: those a `Buffer` both encodes and decodes as text. */
export type TextEncoding = 'utf-8' | 'utf8' | 'utf-16le' | 'utf16le' | 'latin1' | 'ascii';

const ENCODINGS: readonly TextEncoding[] = [
  'utf-8',
  'utf8',
  'utf-16le',
  'utf16le',
  'latin1',
  'ascii',
];

/** What a child's output is: bytes as a `Buffer`, or, in text mode, a string. */
export type Output<Text extends boolean> = Text extends true ? string : Buffer;

/** Input for a child: bytes, a string, or chunks of either (sync or async, a `Readable` too). */
export type Input =
  string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/**
 * Options of {@link Popen} and, with a few more, of `run` and its kin. `Text` is `true` when
 * `text: true` is given: outputs are then strings.
 */
export interface PopenOptions<Text extends boolean = boolean> {
  /** The child's stdin. @default 'inherit' */
  readonly stdin?: StdioOption;
  /** The child's stdout. @default 'inherit' */
  readonly stdout?: StdioOption;
  /** The child's stderr; {@link STDOUT} sends it where stdout goes. @default 'inherit' */
  readonly stderr?: StdioOption;
  /** The child's working directory. @default this process's */
  readonly cwd?: string | URL;
  /** The child's whole environment (it replaces this process's, as in Python). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Run `args` through `/bin/sh -c`: one string is a command line; with an array, the first
   * item is the command line and the others the shell's `$0`, `$1`, …
   * @default false
   */
  readonly shell?: boolean;
  /**
   * Text mode: input may be strings, output is decoded to strings, and `\r\n` and `\r` in
   * the output become `\n` (Python's universal newlines).
   * @default false
   */
  readonly text?: Text;
  /** The encoding of text mode (giving it turns text mode on, as in Python). @default 'utf-8' */
  readonly encoding?: Text extends true ? TextEncoding : never;
  /**
   * What text mode does with bytes that are not valid in `encoding`: throw (Python's
   * `strict`), or put U+FFFD in their place.
   * @default 'strict'
   */
  readonly errors?: Text extends true ? 'strict' | 'replace' : never;
  /**
   * Start the child in a new session (`setsid`), so that it leads a process group of its
   * own: `kill({ group: true })` then reaches its children too, and `run`'s timeout kills
   * them all.
   * @default false
   */
  readonly startNewSession?: boolean;
}

/** The keys of {@link PopenOptions}. */
export const POPEN_OPTIONS = optionNames<PopenOptions>({
  stdin: true,
  stdout: true,
  stderr: true,
  cwd: true,
  env: true,
  shell: true,
  text: true,
  encoding: true,
  errors: true,
  startNewSession: true,
});

/** How output is decoded and input encoded. */
export interface TextMode {
  readonly text: boolean;
  readonly encoding: TextEncoding;
  readonly fatal: boolean;
}

/** Reads the text-mode options: text mode is on with `text: true`, or an `encoding` or `errors`. */
export function readTextMode(options: PopenOptions): TextMode {
  const { text, encoding, errors } = options as {
    text?: unknown;
    encoding?: unknown;
    errors?: unknown;
  };
  if (text !== undefined && typeof text !== 'boolean') throw typeError('text', 'a boolean', text);
  if (encoding !== undefined && !ENCODINGS.includes(encoding as TextEncoding)) {
    throw rangeError('encoding', `one of ${ENCODINGS.join(', ')}`, encoding);
  }
  if (errors !== undefined && errors !== 'strict' && errors !== 'replace') {
    throw rangeError('errors', "'strict' or 'replace'", errors);
  }
  return {
    text: text === true || encoding !== undefined || errors !== undefined,
    encoding: (encoding as TextEncoding | undefined) ?? 'utf-8',
    fatal: errors !== 'replace',
  };
}

/** Bytes for the child: strings are encoded in the text mode's encoding (UTF-8 in bytes mode). */
export function encodeInput(chunk: unknown, mode: TextMode): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, mode.text ? mode.encoding : 'utf8');
  if (chunk instanceof Uint8Array) return chunk;
  throw typeError('input', 'a string, a Uint8Array, or an iterable of them', chunk);
}

/**
 * A child's output, whole: a `Buffer`, or in text mode a string with Python's universal
 * newlines. `partial` output (what a timeout found) never throws on a cut character.
 */
export function decodeOutput(
  chunks: readonly (Buffer | string)[],
  mode: TextMode,
  partial = false,
): Buffer | string {
  const bytes = Buffer.concat(
    chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)),
  );
  if (!mode.text) return bytes;
  let text: string;
  if (mode.encoding === 'latin1' || mode.encoding === 'ascii') {
    text = bytes.toString(mode.encoding);
  } else {
    const label =
      mode.encoding.startsWith('utf-16') || mode.encoding === 'utf16le' ? 'utf-16le' : 'utf-8';
    text = new TextDecoder(label, { fatal: mode.fatal && !partial, ignoreBOM: true }).decode(bytes);
  }
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** The chunks of an input, one by one: a string or a byte array is one chunk. */
export function inputChunks(
  input: Input,
): Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array> {
  if (typeof input === 'string' || input instanceof Uint8Array) return [input];
  const candidate = input as unknown;
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    (Symbol.iterator in candidate || Symbol.asyncIterator in candidate)
  ) {
    return input;
  }
  throw typeError('input', 'a string, a Uint8Array, or an iterable of them', input);
}
