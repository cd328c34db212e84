#!/usr/bin/env node
// The package.json that `npm pack` ships has no `prepare` script: `prepare` builds this
// tree (tsc, a devDependency), which means nothing in a user's project and warns or fails
// there. `prepack` builds, then runs `strip` (the original is kept beside it);
// `postpack` runs `restore`. check-pack.ts restores too, should a pack fail half-way.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const MANIFEST = 'package.json';
const KEPT = 'package.json.prepack';
const [command] = process.argv.slice(2);

if (command === 'strip') {
  const text = readFileSync(MANIFEST, 'utf8');
  const manifest = JSON.parse(text);
  if (!existsSync(KEPT)) writeFileSync(KEPT, text);
  delete manifest.scripts.prepare;
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
} else if (command === 'restore') {
  if (existsSync(KEPT)) renameSync(KEPT, MANIFEST);
} else {
  console.error('usage: pack-manifest.mjs strip|restore');
  process.exit(2);
}
