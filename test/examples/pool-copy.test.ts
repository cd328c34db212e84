/**
 * The pool-copy demo: every sample file is copied by the Pool, listed once as it completes,
 * and counted; the copies are identical; without a directory it cleans up after itself.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { main } from '../../src/examples/pool-copy/main.ts';

let directory: string;

before(() => {
  directory = mkdtempSync(join(tmpdir(), 'multitask-pool-copy-test-'));
});

after(() => {
  rmSync(directory, { recursive: true, force: true });
});

it('main() - lists every file once as its copy completes, then the count', async () => {
  const lines: string[] = [];
  const result = await main((line) => lines.push(line), { directory, files: 9, workers: 2 });
  const source = join(directory, 'source');
  const target = join(directory, 'copy');
  const names = readdirSync(source).sort();
  assert.equal(names.length, 9);
  assert.equal(lines[0], `Copying 9 files from ${source} to ${target} with a Pool of 2 processes`);
  const listed = lines.slice(1, -1).map((line) => {
    const match = /^ {2}(sample-\d\d\.(?:txt|bin))\s+([\d,]+) bytes {2}\(process (\d+)\)$/.exec(
      line,
    );
    assert.ok(match !== null, `unexpected line: ${line}`);
    const [, name = '', bytes = ''] = match;
    assert.equal(Number(bytes.replaceAll(',', '')), statSync(join(source, name)).size, name);
    assert.notEqual(Number(match[3]), process.pid);
    return name;
  });
  assert.deepEqual([...listed].sort(), names);
  assert.deepEqual(result.files, listed);
  const total = names.reduce((sum, name) => sum + statSync(join(source, name)).size, 0);
  assert.equal(result.bytes, total);
  assert.equal(
    lines.at(-1),
    `Copied 9 files (${total.toLocaleString('en-US')} bytes) with 2 processes.`,
  );
  assert.deepEqual(readdirSync(target).sort(), names);
  for (const name of names) {
    assert.deepEqual(readFileSync(join(target, name)), readFileSync(join(source, name)), name);
  }
});

it('main() - without a directory, works in a temporary one and removes it', async () => {
  const lines: string[] = [];
  const result = await main((line) => lines.push(line), { files: 3, workers: 1 });
  assert.equal(result.files.length, 3);
  assert.equal(lines.length, 5);
  assert.equal(existsSync(result.source), false);
  assert.equal(existsSync(join(result.source, '..')), false);
});
