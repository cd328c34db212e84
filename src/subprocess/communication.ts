/**
 * The pump behind `Popen#communicate`: it writes the input to the child's stdin while it
 * drains the child's stdout and stderr, so that neither side waits on a full pipe (a child
 * that fills its stderr before it reads its stdin would otherwise block for ever, and so
 * would we). Once started it runs to the end on its own: a `communicate` that times out
 * leaves it running, and the next `communicate` waits for the same pump and gets all the
 * output from the start, as Python's does.
 */
import type { Readable, Writable } from 'node:stream';
import { encodeInput, inputChunks, type Input, type TextMode } from './options.ts';

/** Chunks of raw output, handed over as they arrive instead of being kept. */
export type Sink = (chunk: Buffer) => void;

/** Drains one of the child's output pipes into memory, or into a sink. */
class Drain {
  readonly chunks: (Buffer | string)[] = [];
  readonly kept: boolean;
  readonly done: Promise<void>;

  constructor(stream: Readable, sink: Sink | undefined) {
    this.kept = sink === undefined;
    this.done = new Promise<void>((resolve, reject) => {
      // 'close' comes after 'end', and also when the stream is destroyed before its end
      // (`await using` closing the pipe): either way nothing more will come.
      stream.once('close', () => {
        resolve();
      });
      // A read error (EIO, ECONNRESET on a socket-backed pipe) ends the output as EOF does
      // in Python's loop; 'close' follows it.
      stream.on('error', () => undefined);
      stream.on('data', (chunk: Buffer | string) => {
        if (sink === undefined) {
          this.chunks.push(chunk);
          return;
        }
        try {
          sink(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        } catch (error) {
          stream.destroy();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }
}

/** Resolves when `stdin` can take more, or will take nothing more. */
function roomOrEnd(stdin: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stdin.off('drain', done);
      stdin.off('close', done);
      stdin.off('error', done);
      resolve();
    };
    stdin.on('drain', done);
    stdin.on('close', done);
    stdin.on('error', done);
  });
}

/** Resolves when everything written to `stdin` has gone, or it can take nothing more. */
function finished(stdin: Writable): Promise<void> {
  if (stdin.destroyed || stdin.writableFinished) return Promise.resolve();
  return new Promise<void>((resolve) => {
    stdin.once('finish', resolve);
    stdin.once('close', resolve);
  });
}

/**
 * Writes `input` to the child's stdin and closes it. A child that exits or closes its stdin
 * before reading everything ends the writing quietly (EPIPE), as Python's communicate()
 * ignores `BrokenPipeError`; an error from the input itself (an iterable that throws) is
 * thrown.
 */
async function feed(stdin: Writable, input: Input | undefined, mode: TextMode): Promise<void> {
  // Set by the 'error' listener, so an object: a `let` would read as never changing.
  const pipe = { broken: false };
  stdin.on('error', () => {
    pipe.broken = true;
  });
  try {
    if (input !== undefined) {
      for await (const chunk of inputChunks(input)) {
        if (pipe.broken || stdin.destroyed) break;
        const bytes = encodeInput(chunk, mode);
        if (bytes.length > 0 && !stdin.write(bytes)) await roomOrEnd(stdin);
      }
    }
  } catch (error) {
    stdin.destroy();
    throw error;
  }
  if (!stdin.destroyed && !stdin.writableEnded) stdin.end();
  await finished(stdin);
}

/** The pipes of one child, being written and drained. */
export class Communication {
  readonly #stdout: Drain | null;
  readonly #stderr: Drain | null;
  /** Settles once the input is written and both outputs have ended. */
  readonly done: Promise<void>;

  constructor(
    pipes: {
      readonly stdin: Writable | null;
      readonly stdout: Readable | null;
      readonly stderr: Readable | null;
    },
    input: Input | undefined,
    mode: TextMode,
    sinks: { readonly onStdout?: Sink | undefined; readonly onStderr?: Sink | undefined },
  ) {
    this.#stdout = pipes.stdout === null ? null : new Drain(pipes.stdout, sinks.onStdout);
    this.#stderr = pipes.stderr === null ? null : new Drain(pipes.stderr, sinks.onStderr);
    const work: Promise<void>[] = [];
    if (pipes.stdin !== null) work.push(feed(pipes.stdin, input, mode));
    if (this.#stdout !== null) work.push(this.#stdout.done);
    if (this.#stderr !== null) work.push(this.#stderr.done);
    this.done = Promise.all(work).then(() => undefined);
    // A failure is reported by whichever communicate() awaits `done`; until then it must
    // not count as unhandled.
    this.done.catch(() => undefined);
  }

  /** What stdout gave so far (or in all, once `done`), or `null` if it is not kept. */
  stdout(): readonly (Buffer | string)[] | null {
    return this.#stdout?.kept === true ? this.#stdout.chunks : null;
  }

  /** What stderr gave so far (or in all, once `done`), or `null` if it is not kept. */
  stderr(): readonly (Buffer | string)[] | null {
    return this.#stderr?.kept === true ? this.#stderr.chunks : null;
  }
}
