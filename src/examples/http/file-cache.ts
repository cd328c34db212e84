/**
 * The HTTP server's cache of small files, after nginx's `open_file_cache`: a file once found
 * inside the served root, opened and read is kept in memory with its `stat`, so that the next
 * request for the same path costs one `stat()` instead of `realpath()`, `open()`, `fstat()`,
 * `read()` and `close()`.
 *
 * nginx trusts an entry for `open_file_cache_valid` (60 s by default) without looking; this
 * cache looks every time: the `stat()` of the path must still name the same file in the same
 * state (device, inode, size, modification and change times), or the entry is dropped and the
 * request takes the full path again (with its confinement check). A file written, replaced,
 * renamed away or swapped for a symbolic link is therefore never served stale: writing a file
 * changes its times, and another file (a link's target) has another inode.
 *
 * Times have a granularity (the kernel's clock tick for ext4 and tmpfs, 1 s for ext3, 2 s for
 * FAT): a file rewritten at the same size within the tick it was read in would keep its
 * times. So a file is kept only once it has not changed for {@link SETTLED_MS} (git's "racily
 * clean" rule): any later write then gives it other times.
 */
import { stat, type Stats } from 'node:fs';

/** A file held in memory, with what it was when read. */
export interface CachedFile {
  /** Its real path (symbolic links resolved), inside the served root. */
  readonly real: string;
  /** Its `fstat` when it was read. */
  readonly stats: Stats;
  /** All of its bytes. */
  readonly data: Buffer;
}

/** How long a file must have been left unchanged before it is kept. */
export const SETTLED_MS = 2000;

/** How much a {@link FileCache} keeps. */
export interface FileCacheLimits {
  /** The largest file kept. */
  readonly maxFileBytes: number;
  /** The most bytes kept in all. */
  readonly maxBytes: number;
  /** The most files kept. */
  readonly maxEntries: number;
  /**
   * How long a file must have been left unchanged to be kept, in milliseconds.
   * @default SETTLED_MS
   */
  readonly settledMs?: number;
}

/** Whether two stats describe the same file, unchanged. */
function sameFile(was: Stats, now: Stats): boolean {
  return (
    now.isFile() &&
    now.ino === was.ino &&
    now.dev === was.dev &&
    now.size === was.size &&
    now.mtimeMs === was.mtimeMs &&
    now.ctimeMs === was.ctimeMs
  );
}

/**
 * Small files by path, at most `maxBytes` of them and `maxEntries` in all; the oldest entry
 * goes first when one more does not fit.
 */
export class FileCache {
  readonly #entries = new Map<string, CachedFile>();
  readonly #limits: Required<FileCacheLimits>;
  #bytes = 0;

  constructor(limits: FileCacheLimits) {
    this.#limits = { settledMs: SETTLED_MS, ...limits };
  }

  /** Resolves with the file cached for `path` if it is still that file, unchanged. */
  lookup(path: string): Promise<CachedFile | undefined> {
    const entry = this.#entries.get(path);
    if (entry === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      stat(path, (error, now) => {
        if (error === null && sameFile(entry.stats, now)) {
          resolve(entry);
          return;
        }
        // Another request may have stored a newer entry meanwhile: only this one goes.
        if (this.#entries.get(path) === entry) this.#remove(path, entry);
        resolve(undefined);
      });
    });
  }

  /**
   * Keeps `file` for `path` (replacing what was there) if it is small enough and has not
   * changed for the settling time before `readSince` (when it was opened).
   */
  store(path: string, file: CachedFile, readSince: number): void {
    const { maxFileBytes, maxBytes, maxEntries, settledMs } = this.#limits;
    const { data, stats } = file;
    if (data.length > maxFileBytes || data.length > maxBytes) return;
    if (readSince - Math.max(stats.mtimeMs, stats.ctimeMs) < settledMs) return;
    const old = this.#entries.get(path);
    if (old !== undefined) this.#remove(path, old);
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes + data.length <= maxBytes && this.#entries.size < maxEntries) break;
      this.#remove(oldest, entry);
    }
    this.#entries.set(path, file);
    this.#bytes += data.length;
  }

  /** How many files and bytes are held. */
  get size(): { readonly files: number; readonly bytes: number } {
    return { files: this.#entries.size, bytes: this.#bytes };
  }

  #remove(path: string, entry: CachedFile): void {
    this.#entries.delete(path);
    this.#bytes -= entry.data.length;
  }
}
