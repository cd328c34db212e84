/**
 * The source tree of a backup: scanning it, and the checks on the source, the destination
 * and the options before anything is written.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { cpuCount } from '../../index.ts';
import { BackupError } from './errors.ts';

/** An entry of the source tree, as scanned. */
export interface Entry {
  /** The path relative to the source root ('' for the root). */
  readonly rel: string;
  readonly size: number;
  readonly mode: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
}

export interface Tree {
  readonly root: Entry;
  readonly directories: Entry[];
  readonly files: Entry[];
  readonly symlinks: Entry[];
  readonly skipped: string[];
}

function entryOf(rel: string, info: Stats): Entry {
  return {
    rel,
    size: info.size,
    mode: info.mode,
    atimeMs: info.atimeMs,
    mtimeMs: info.mtimeMs,
  };
}

/** Lists the tree under `root` without following symlinks, in a stable (sorted) order. */
export async function scan(root: string, rootInfo: Stats): Promise<Tree> {
  const tree: Tree = {
    root: entryOf('', rootInfo),
    directories: [],
    files: [],
    symlinks: [],
    skipped: [],
  };
  const pending = [''];
  for (let rel = pending.pop(); rel !== undefined; rel = pending.pop()) {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel === '' ? name : join(rel, name);
      const info = await lstat(join(root, path));
      if (info.isDirectory()) {
        tree.directories.push(entryOf(path, info));
        pending.push(path);
      } else if (info.isFile()) tree.files.push(entryOf(path, info));
      else if (info.isSymbolicLink()) tree.symlinks.push(entryOf(path, info));
      else tree.skipped.push(path);
    }
  }
  return tree;
}

/** The destination a backup of `src` goes to by default: `SRC-backup`, beside it. */
export function defaultDestination(src: string): string {
  return `${resolve(src)}-backup`;
}

/** True when `inner` is `outer` or a path inside it. */
function within(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

export async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Checks the source and the destination before anything is written. */
export async function check(
  source: string,
  destination: string,
  force: boolean,
): Promise<{ rootInfo: Stats }> {
  const rootInfo = await statOrNull(source);
  if (rootInfo === null) {
    throw new BackupError(
      'ERR_BAD_SOURCE',
      `Expected a directory to back up, got \`${source}\`, which does not exist`,
    );
  }
  if (!rootInfo.isDirectory()) {
    throw new BackupError(
      'ERR_BAD_SOURCE',
      `Expected a directory to back up, got \`${source}\`, which is not a directory`,
    );
  }
  const realSource = await realpath(source);
  const destInfo = await statOrNull(destination);
  const realDest = destInfo === null ? destination : await realpath(destination);
  for (const from of [source, realSource]) {
    for (const to of [destination, realDest]) {
      if (within(from, to) || within(to, from)) {
        throw new BackupError(
          'ERR_BAD_DEST',
          `The destination \`${destination}\` and the source \`${source}\` overlap: a backup must go outside the tree it copies`,
        );
      }
    }
  }
  if (destInfo === null) return { rootInfo };
  if (!destInfo.isDirectory()) {
    throw new BackupError(
      'ERR_BAD_DEST',
      `The destination \`${destination}\` exists and is not a directory`,
    );
  }
  if (!force && (await readdir(destination)).length > 0) {
    throw new BackupError(
      'ERR_DEST_EXISTS',
      `The destination \`${destination}\` exists and is not empty: refusing to overwrite it (use --force to copy into it, replacing files of the same names)`,
    );
  }
  return { rootInfo };
}

export function parseWorkers(workers: unknown): number {
  if (workers === undefined) return cpuCount();
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1) {
    throw new RangeError(
      `Expected \`workers\` to be an integer from 1 and up, got \`${typeof workers === 'number' ? workers : typeof workers}\``,
    );
  }
  return workers;
}
