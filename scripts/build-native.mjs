#!/usr/bin/env node
// Builds the optional shared-memory addon (native/) with node-gyp: npm runs this as the
// package's `install` script. The addon is optional, so this never fails the install:
// without a C++ toolchain, or on another OS, it says in one line that child processes will
// use the broker and how to get the fast path, and exits 0.
//
// MULTITASK_NATIVE_VERBOSE=1 shows node-gyp's output. Outside npm, `node
// scripts/build-native.mjs` builds the addon the same way.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'native', 'build', 'Release', 'multitask_native.node');
const verbose = process.env.MULTITASK_NATIVE_VERBOSE === '1';
const HOW = 'install a C++ toolchain (g++ or clang, make, python3) and run `npm rebuild multitask`';

/** @param {string} why */
function off(why) {
  console.log(
    `multitask: shared-memory addon not built (${why}); processes use the broker. To enable: ${HOW}.`,
  );
  process.exit(0);
}

if (process.platform !== 'linux') {
  console.log('multitask: the shared-memory addon is Linux-only; processes use the broker.');
  process.exit(0);
}

/** node-gyp: the one npm gives its scripts, else the one bundled with this Node's npm. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath &&
      join(
        dirname(process.env.npm_execpath),
        '..',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((path) => path !== undefined && path !== '' && existsSync(path));
}

const nodeGyp = findNodeGyp();
if (nodeGyp === undefined) off('node-gyp not found');

const args = [nodeGyp, 'rebuild', `--directory=${join(root, 'native')}`];
// Node installed with its headers (the official tarballs, most distributions' packages):
// build against them rather than downloading them, unless npm already names a nodedir.
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const result = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: verbose ? 'inherit' : 'pipe',
  encoding: 'utf8',
});
if (result.error !== undefined || result.status !== 0 || !existsSync(addon)) {
  const output = `${result.stderr ?? ''}${result.stdout ?? ''}`;
  const reason =
    result.error?.message ??
    /gyp ERR! stack Error: ([^\n]*)/.exec(output)?.[1] ??
    `node-gyp exited with ${result.status ?? result.signal}`;
  off(`${reason.trim().slice(0, 120)}; MULTITASK_NATIVE_VERBOSE=1 shows why`);
}
if (verbose) console.log(`multitask: built ${addon}`);
