/**
 * The course's pool exercise: copy a directory's files with a process `Pool`, one task per
 * file, printing each file as its copy completes (`imapUnordered`: in the order they finish,
 * not the order they were given) and then the count.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, taskModule } from '../../index.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Options of {@link main}. */
export interface PoolCopyOptions {
  /**
   * The directory to work in: the sample files go to `source/` in it, the copies to `copy/`.
   * Left in place when given; by default a temporary directory, removed at the end.
   */
  readonly directory?: string | undefined;
  /**
   * Sample files to create and copy.
   * @default 12
   */
  readonly files?: number | undefined;
  /**
   * Worker processes.
   * @default 3
   */
  readonly workers?: number | undefined;
}

/** What {@link main} copied. */
export interface PoolCopyResult {
  readonly source: string;
  readonly target: string;
  /** The names of the files, in the order their copies completed. */
  readonly files: readonly string[];
  readonly bytes: number;
}

const number = new Intl.NumberFormat('en-US');

/** Creates `count` sample files of different sizes (a few bytes to a few hundred KiB). */
function createSamples(dir: string, count: number): string[] {
  const names: string[] = [];
  for (let i = 1; i <= count; i++) {
    const text = i % 2 === 1;
    const name = `sample-${String(i).padStart(2, '0')}.${text ? 'txt' : 'bin'}`;
    // Sizes spread over three orders of magnitude, so that copies finish out of order.
    const size = ((i * 7919) % 13) * 23 * 1024 + i * 11;
    writeFileSync(
      join(dir, name),
      text ? `line of ${name}\n`.repeat(Math.ceil(size / 24)).slice(0, size) : randomBytes(size),
    );
    names.push(name);
  }
  return names;
}

/**
 * The demo: creates sample files in a temporary directory and copies them with a `Pool`,
 * printing each copy as it completes, then the count and the bytes.
 * @returns The files in completion order, and where they were.
 * @example
 * ```ts
 * await main(console.log);
 * // Copying 12 files from /tmp/multitask-pool-copy-x/source to /tmp/.../copy with a Pool of 3 processes
 * //   sample-02.bin        46,106 bytes  (process 4242)
 * //   ...
 * // Copied 12 files (1,234,567 bytes) with 3 processes.
 * ```
 */
export async function main(
  write: (line: string) => void,
  options: PoolCopyOptions = {},
): Promise<PoolCopyResult> {
  const { files: count = 12, workers = 3 } = options;
  const base = options.directory ?? mkdtempSync(join(tmpdir(), 'multitask-pool-copy-'));
  const source = join(base, 'source');
  const target = join(base, 'copy');
  try {
    // Started first, so that the workers boot while the sample files are written.
    await using pool = new Pool(workers);
    mkdirSync(source, { recursive: true });
    mkdirSync(target, { recursive: true });
    const names = createSamples(source, count);
    write(
      `Copying ${names.length} files from ${source} to ${target} with a Pool of ${workers} processes`,
    );
    const done: string[] = [];
    let bytes = 0;
    const items = names.map((name) => ({ source, target, name }));
    for await (const copied of pool.imapUnordered(tasks.copyOne, items)) {
      done.push(copied.name);
      bytes += copied.bytes;
      write(
        `  ${copied.name.padEnd(14)} ${number.format(copied.bytes).padStart(9)} bytes  (process ${copied.pid})`,
      );
    }
    write(`Copied ${done.length} files (${number.format(bytes)} bytes) with ${workers} processes.`);
    return { source, target, files: done, bytes };
  } finally {
    if (options.directory === undefined) rmSync(base, { recursive: true, force: true });
  }
}
