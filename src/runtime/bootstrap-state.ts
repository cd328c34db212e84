/**
 * The bootstrapping guard's state, as a child imports task modules (bootstrap.ts refuses a
 * start while it imports the program's main module). Apart from bootstrap.ts so that a
 * child, whose every loaded module costs its start, loads no error classes for it.
 */
import { realpathSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { realmState } from '../internal/realm-state.ts';
import { currentProcessIdentity } from './identity.ts';

/** How many imports of the program's main module this realm is in, as a child. */
const guard = realmState('bootstrap-state', () => ({ importingMain: 0 }));

/** A module's path with symbolic links resolved, or the path itself when it cannot be. */
function realPath(url: string): string | null {
  if (!url.startsWith('file:')) return null;
  const path = fileURLToPath(url);
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Whether `url` names the program's main module. `node app` runs `app.js`: a main path
 * without an extension matches the module of the same path with one.
 */
export function isProgramMain(url: string): boolean {
  const main = currentProcessIdentity().main;
  if (main === undefined || main === null) return false;
  const mainPath = realPath(main);
  const path = realPath(url);
  if (mainPath === null || path === null) return false;
  if (path === mainPath) return true;
  return extname(mainPath) === '' && path.slice(0, -extname(path).length) === mainPath;
}

/** True on the main thread of the main process: the realm that ran the program itself. */
export function isProgramRealm(): boolean {
  return isMainThread && currentProcessIdentity().parent === null;
}

/**
 * Imports a task's module. In a child, while the program's main module is being imported,
 * starting a thread or process is refused (see {@link assertNotBootstrapping}).
 */
export async function importTaskModule(module: string): Promise<unknown> {
  if (isProgramRealm() || !isProgramMain(module)) return import(module);
  guard.importingMain++;
  try {
    return await import(module);
  } finally {
    guard.importingMain--;
  }
}

/** Whether this realm is importing the program's main module to find a task now. */
export function importingProgramMain(): boolean {
  return guard.importingMain > 0;
}
