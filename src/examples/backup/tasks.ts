/**
 * The backup's and the block copy's workers: copy one file, copy one block of a file, hash
 * files. Each runs synchronously in a pool worker (a process for the backup, a thread for the
 * block copy), streaming through one reused buffer, so no file is ever held in memory whole.
 *
 * Bytes copied are added to a shared counter that the parent polls for its progress bar; the
 * counter reaches each worker once, through the pool's initializer ({@link setByteCounter}).
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  futimesSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import type { Value } from '../../index.ts';

/** The size of the buffer each read and write goes through. */
export const CHUNK_BYTES = 256 * 1024;

/**
 * Bytes a worker copies before it adds them to the shared counter. In a worker process each
 * addition costs a few round trips to the parent (the lock, a read, a write), so they are
 * batched; the bytes of a file that were not added yet come back in its result instead.
 */
export const FLUSH_BYTES = 1024 * 1024;

/** The shared count of bytes copied, or null when nobody watches the progress. */
let counter: Value<'d'> | null = null;

/** The pool's initializer: the counter that this worker's copies add to. */
export function setByteCounter(shared: Value<'d'> | null): void {
  counter = shared;
}

function addBytes(bytes: number): void {
  if (counter === null || bytes === 0) return;
  const shared = counter;
  // `+=` is a read then a write: without the lock, two workers could lose an update.
  shared.getLock().withLockSync(() => {
    shared.value += bytes;
  });
}

/** One file for {@link copyFile}: where it comes from, where it goes, what to preserve. */
export interface CopyJob {
  readonly source: string;
  readonly target: string;
  /** A name in the target's directory to write to, renamed to `target` once complete. */
  readonly temp: string;
  readonly mode: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
}

/** What {@link copyFile} did. */
export interface CopyResult {
  /** Bytes copied. */
  readonly bytes: number;
  /** Of those, the bytes already added to the shared counter. */
  readonly counted: number;
}

/** Writes all of `length` bytes of `buffer`: a write may take fewer than asked. */
function writeAll(fd: number, buffer: Buffer, length: number, position: number | null): void {
  let written = 0;
  while (written < length) {
    written += writeSync(
      fd,
      buffer,
      written,
      length - written,
      position === null ? null : position + written,
    );
  }
}

/**
 * Copies one file to its temporary name, a chunk at a time, gives it the source's mode and
 * times, flushes it to disk and only then renames it to its target: whatever happens, the
 * target is either absent (or the previous version) or complete. On failure the temporary
 * file is removed and the error rethrown.
 */
export function copyFile(job: CopyJob): CopyResult {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const input = openSync(job.source, 'r');
  let output: number | null = null;
  let bytes = 0;
  let counted = 0;
  try {
    // 'w' rather than 'wx': a temporary file of the same run cannot exist, and the name is
    // the run's own, so nothing else is overwritten.
    output = openSync(job.temp, 'w', 0o600);
    for (;;) {
      const read = readSync(input, buffer, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      writeAll(output, buffer, read, null);
      bytes += read;
      if (bytes - counted >= FLUSH_BYTES) {
        addBytes(bytes - counted);
        counted = bytes;
      }
    }
    fchmodSync(output, job.mode & 0o7777);
    futimesSync(output, job.atimeMs / 1000, job.mtimeMs / 1000);
    fsyncSync(output);
    closeSync(output);
    output = null;
    renameSync(job.temp, job.target);
  } catch (error) {
    if (output !== null) closeSync(output);
    rmSync(job.temp, { force: true });
    throw error;
  } finally {
    closeSync(input);
  }
  return { bytes, counted };
}

/** The SHA-256 of a file's contents, in hex, read a chunk at a time. */
export function hashFile(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** A file of the backup and its copy, for {@link hashPair}. */
export interface HashJob {
  /** Handed back in the result, to tell results that arrive in any order apart. */
  readonly index: number;
  readonly source: string;
  readonly target: string;
}

/** What {@link hashPair} found. */
export interface HashResult {
  readonly index: number;
  readonly source: string;
  /** Null when the copy cannot be read (it is missing, or not a file). */
  readonly target: string | null;
}

/** The SHA-256 of a source file and of its copy. */
export function hashPair(job: HashJob): HashResult {
  const source = hashFile(job.source);
  let target: string | null;
  try {
    target = hashFile(job.target);
  } catch {
    // A copy that cannot be read does not match: reported as a mismatch, not a failure.
    target = null;
  }
  return { index: job.index, source, target };
}

/** One block of the block copy: `length` bytes at `offset`, from `source` into `target`. */
export interface BlockJob {
  readonly source: string;
  readonly target: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Copies one block of `source` into the same place of `target`, which already has its final
 * size: reads and writes at explicit positions, so blocks copied at the same time by other
 * workers, through their own descriptors, never get in each other's way.
 * @throws {Error} when the source ends before the block does (it shrank during the copy).
 */
export function copyBlock(job: BlockJob): { offset: number; bytes: number } {
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, job.length)));
  const input = openSync(job.source, 'r');
  try {
    // 'r+': write into the pre-sized file without truncating what the other blocks wrote.
    const output = openSync(job.target, 'r+');
    try {
      let done = 0;
      let counted = 0;
      while (done < job.length) {
        const want = Math.min(buffer.length, job.length - done);
        const read = readSync(input, buffer, 0, want, job.offset + done);
        if (read === 0) {
          throw new Error(
            `${job.source} ended at byte ${job.offset + done}, inside the block at ${job.offset} of ${job.length} bytes: did it shrink during the copy?`,
          );
        }
        writeAll(output, buffer, read, job.offset + done);
        done += read;
        if (done - counted >= FLUSH_BYTES) {
          addBytes(done - counted);
          counted = done;
        }
      }
      addBytes(done - counted);
      return { offset: job.offset, bytes: done };
    } finally {
      closeSync(output);
    }
  } finally {
    closeSync(input);
  }
}
