/**
 * The compiled suite's entry point (`npm run bench` runs its compiled start.mjs).
 *
 * tsc compiles bench/ into node_modules/.cache/multitask-bench/, which git, eslint and
 * prettier all ignore. Node gives files under node_modules no package scope, so .js files
 * there would load as CommonJS: this file (an .mjs, ESM regardless) first writes the tree a
 * package.json saying "type": "module", and only then imports the runner.
 */
import { writeFileSync } from 'node:fs';

writeFileSync(
  new URL('../package.json', import.meta.url),
  '{ "type": "module", "private": true }\n',
);
await import('./run.ts');
