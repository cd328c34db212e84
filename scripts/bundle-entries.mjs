#!/usr/bin/env node
// Bundles the entry files of a child thread or process in dist/ (after `tsc`), each in
// place, with the modules they import statically: a child's start pays for every module it
// loads (about a millisecond each on a quiet machine), and a Thread's child otherwise loads
// eight before it reaches its target. `npm run build` runs it; `node
// scripts/bundle-entries.mjs DIR` bundles a build elsewhere (test/runtime/bundled-entries).
//
// What stays a module of its own: every dynamic import (loaded only when a child needs it,
// and resolved relative to the same directory, since each bundle replaces its entry file),
// and the native addon's loader (it finds the addon relative to its own URL). Modules with
// state a realm shares keep it on `globalThis` (src/internal/realm-state.ts): the copy
// inlined here and the copy the user's code loads through dist/index.js see the same.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.argv[2] ?? join(root, 'dist'));

/** The entry files a child thread or process loads first. */
const ENTRIES = [
  'runtime/entry/thread-main.js',
  'runtime/entry/process-main.js',
  'threading/entry/run-target.js',
];

/** Modules never inlined, by their path in dist/. */
const KEEP_APART = new Set(['memory/native.js']);

/**
 * @param {string} outfile
 * @returns {import('esbuild').Plugin}
 */
function keepApart(outfile) {
  return {
    name: 'keep-apart',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const path = resolve(args.resolveDir, args.path);
        const inDist = relative(dist, path).split(sep).join('/');
        if (args.kind !== 'dynamic-import' && !KEEP_APART.has(inDist)) return undefined;
        let specifier = relative(dirname(outfile), path).split(sep).join('/');
        if (!specifier.startsWith('.')) specifier = `./${specifier}`;
        return { path: specifier, external: true };
      });
    },
  };
}

for (const entry of ENTRIES) {
  const file = join(dist, entry);
  if (!existsSync(file)) throw new Error(`${file} is missing: run tsc first`);
  await build({
    entryPoints: [file],
    outfile: file,
    allowOverwrite: true,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [keepApart(file)],
  });
}
