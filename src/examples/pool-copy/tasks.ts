/**
 * The pool-copy demo's task: copy one file, streaming, in a worker process of the pool.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** One file to copy: its name in `source`, copied under the same name into `target`. */
export interface CopyItem {
  readonly source: string;
  readonly target: string;
  readonly name: string;
}

/** What {@link copyOne} did, and which process did it. */
export interface Copied {
  readonly name: string;
  readonly bytes: number;
  readonly pid: number;
}

/** Copies one file a chunk at a time (never the whole file in memory). */
export async function copyOne(item: CopyItem): Promise<Copied> {
  const input = createReadStream(join(item.source, item.name));
  await pipeline(input, createWriteStream(join(item.target, item.name)));
  return { name: item.name, bytes: input.bytesRead, pid: process.pid };
}
