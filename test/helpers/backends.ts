/**
 * One test body, run against both backends (CPython's tests do the same with mixins).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { Process, setExcepthook, Thread, type ExcepthookArgs } from '../../src/index.ts';

export interface Backend {
  readonly kind: 'thread' | 'process';
  readonly Worker: typeof Thread | typeof Process;
}

export const backends: readonly Backend[] = [
  { kind: 'thread', Worker: Thread },
  { kind: 'process', Worker: Process },
];

/** Declares `body` once per backend, inside `describe('thread')` / `describe('process')`. */
export function forEachBackend(body: (backend: Backend) => void): void {
  for (const backend of backends) {
    describe(backend.kind, () => {
      body(backend);
    });
  }
}

/** A scratch directory removed after the file's tests. */
export function scratchDir(): { file(name: string): string; read(path: string): unknown } {
  const dir = mkdtempSync(join(tmpdir(), 'multitask-test-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    file: (name) => join(dir, name),
    read: (path) => JSON.parse(readFileSync(path, 'utf8')) as unknown,
  };
}

/** Collects excepthook calls until `restore()`. */
export function captureExcepthook(): { calls: ExcepthookArgs[]; restore(): void } {
  const calls: ExcepthookArgs[] = [];
  const previous = setExcepthook((args) => {
    calls.push(args);
  });
  return {
    calls,
    restore: () => {
      setExcepthook(previous);
    },
  };
}
