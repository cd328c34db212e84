/**
 * Where things are. The suite runs compiled (`npm run bench` compiles bench/ into
 * node_modules/.cache/multitask-bench/), so the compiled files and the project's own files
 * (dist/, bench/python/, bench/results/) live in different trees: both are found from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    // The compiled tree holds a package.json of its own (for "type": "module"), without a name.
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === 'multitask') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the multitask package.json');
    dir = parent;
  }
}

/** The project root (the directory of multitask's package.json). */
export const projectRoot = findProjectRoot();

/** The compiled bench/ directory (or the source one when run through tsx). */
export const benchDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** `.js` when compiled, `.ts` under tsx; worker files must be compiled to run in threads. */
const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

/** The path of a compiled file under bench/, named without extension: `workers/raw-worker`. */
export function benchFile(name: string): string {
  return join(benchDir, `${name}.${extension}`);
}

/** The same, as a file URL. */
export function benchUrl(name: string): URL {
  return pathToFileURL(benchFile(name));
}

/** The compiled library. */
export const distDir = join(projectRoot, 'dist');

/** The python3 scripts (run from the source tree; they are not compiled). */
export const pythonDir = join(projectRoot, 'bench', 'python');

/** Where the reports go. */
export const resultsDir = join(projectRoot, 'bench', 'results');
