/**
 * multitask as its users get it: the compiled library in dist/ (`npm run build`), loaded by
 * URL at run time and typed from the sources, so that type-checking bench/ never needs a build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir } from './paths.ts';

export type Multitask = typeof import('../../src/index.ts');
export type PrimesProgram = typeof import('../../src/examples/primes/main.ts');

async function loadDist<T>(file: string): Promise<T> {
  const path = join(distDir, file);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return (await import(pathToFileURL(path).href)) as T;
}

/** The library's public exports, from dist/index.js. */
export function loadMultitask(): Promise<Multitask> {
  return loadDist<Multitask>('index.js');
}

/** The course's prime-sum program, from dist/examples/primes/main.js. */
export function loadPrimesProgram(): Promise<PrimesProgram> {
  return loadDist<PrimesProgram>(join('examples', 'primes', 'main.js'));
}

/** The names dist/index.js exports, or the reason it cannot be loaded. */
export async function multitaskExports(): Promise<ReadonlySet<string> | Error> {
  try {
    return new Set(Object.keys(await loadMultitask()));
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
