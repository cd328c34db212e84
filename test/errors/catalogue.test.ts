/**
 * The error catalogue (src/errors.ts) against the rest of the project: every code is thrown
 * somewhere and listed in the README's error table, every class is exported and comes back
 * from a thread or a process as itself, and no throw in the library goes without a code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as errors from '../../src/errors.ts';
import * as api from '../../src/index.ts';
import { errorClassesByName, errorFromWire, errorToWire } from '../../src/transport/wire.ts';
import { ERROR_SAMPLES } from '../fixtures/error-samples.ts';
import { forEachBackend } from '../helpers/backends.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const codesSource = readFileSync(join(root, 'src/error-codes.ts'), 'utf8');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The library's files: the programs built on it (examples, cli) keep errors of their own. */
const libraryFiles = sourceFiles(join(root, 'src')).filter(
  (file) => !/\/src\/(examples|cli)\//.test(file),
);

/** The codes of the `ErrorCode` union, in declaration order. */
function declaredCodes(): string[] {
  const union = /export type ErrorCode =([^;]*);/.exec(codesSource)?.[1] ?? '';
  return [...union.matchAll(/'(ERR_[A-Z_]+)'/g)].map((match) => match[1] ?? '');
}

/** The codes named in the README's error table (the section `### Errors`). */
function readmeCodes(): Set<string> {
  const start = readme.indexOf('### Errors');
  const end = readme.indexOf('\n## ', start);
  const section = readme.slice(start, end);
  return new Set([...section.matchAll(/`(ERR_[A-Z_]+)`/g)].map((match) => match[1] ?? ''));
}

/** The classes src/errors.ts exports. */
type ErrorClass = abstract new (...args: never[]) => Error;
const errorClasses: [string, ErrorClass][] = Object.entries(errors as Record<string, unknown>)
  .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
  .map(([name, value]) => [name, value as ErrorClass]);

describe('error catalogue', () => {
  it('every declared code is listed in the README error table, and nothing else is', () => {
    const declared = declaredCodes();
    assert.ok(declared.length > 40, `found only ${declared.length} codes in errors.ts`);
    const listed = readmeCodes();
    assert.deepEqual(
      declared.filter((code) => !listed.has(code)),
      [],
      'codes missing from the README table',
    );
    assert.deepEqual(
      [...listed].filter((code) => !declared.includes(code)),
      [],
      'README codes that errors.ts does not declare',
    );
  });

  it('every declared code is used by the library', () => {
    const texts = libraryFiles.map((file) => readFileSync(file, 'utf8'));
    const unused = declaredCodes().filter((code) => {
      const literal = `'${code}'`;
      // error-codes.ts declares each code; any other file naming it uses it (errors.ts, when
      // a class fixes its code and passes it to super()).
      return !texts.some(
        (text, i) => !libraryFiles[i]?.endsWith('/src/error-codes.ts') && text.includes(literal),
      );
    });
    assert.deepEqual(unused, []);
  });

  it('no throw in the library goes without a code', () => {
    const uncoded: string[] = [];
    for (const file of libraryFiles) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/(throw|reject\()\s*new (Error|TypeError|RangeError|SyntaxError)\(/.test(line)) {
            uncoded.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    assert.deepEqual(uncoded, []);
  });

  it('every class is exported from the package, rebuildable by name, and has a sample', () => {
    const exported = api as Record<string, unknown>;
    for (const [name, Class] of errorClasses) {
      assert.equal(exported[name], Class, `${name} is not exported from src/index.ts`);
      assert.equal(errorClassesByName.get(name), Class, `${name} is not rebuildable`);
      assert.ok(name in ERROR_SAMPLES, `test/fixtures/error-samples.ts has no ${name}`);
    }
    assert.equal(Object.keys(ERROR_SAMPLES).length, errorClasses.length);
  });

  it('every class survives the error wire with its class, code and message', () => {
    for (const [name, Class] of errorClasses) {
      const sample = ERROR_SAMPLES[name]?.();
      const rebuilt = errorFromWire(errorToWire(sample));
      assert.ok(rebuilt instanceof Class, `${name} came back as ${String(rebuilt)}`);
      assert.equal(rebuilt.message, sample?.message);
      assert.equal((rebuilt as { code?: unknown }).code, (sample as { code?: unknown }).code);
    }
  });
});

forEachBackend(({ kind }) => {
  describe('every error class comes back from a worker as itself', () => {
    const pool = kind === 'thread' ? new api.ThreadPool(1) : new api.Pool(1);
    after(async () => {
      pool.terminate();
      await pool.join();
    });
    const tasks = api.taskModule<typeof import('../fixtures/error-samples.ts')>(
      new URL('../fixtures/error-samples.ts', import.meta.url),
    );

    it('Pool#apply() rejects with the class, code and message the task threw', async () => {
      for (const [name, Class] of errorClasses) {
        const sample = ERROR_SAMPLES[name]?.();
        const error = await pool.apply(tasks.throwSample, [name]).then(
          () => assert.fail(`${name} did not throw`),
          (thrown: unknown) => thrown,
        );
        assert.ok(error instanceof Class, `${name} came back as ${String(error)}`);
        assert.equal(error.message, sample?.message);
        assert.equal((error as { code?: unknown }).code, (sample as { code?: unknown }).code);
      }
    });
  });
});
