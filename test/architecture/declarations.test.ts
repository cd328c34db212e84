/**
 * The package's type declarations, as `npm run build` makes them: members marked `@internal`
 * stay out of them, every public type has its own name, and a strict program that uses the
 * package compiles against them with the declarations themselves checked (no skipLibCheck).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('type declarations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'multitask-declarations-'));
  const out = join(dir, 'dist');

  before(() => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(root, 'tsconfig.build.json'),
      {
        outDir: out,
        emitDeclarationOnly: true,
        sourceMap: false,
        inlineSources: false,
        declarationMap: false,
      },
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    assert.ok(config !== undefined);
    const program = ts.createProgram(config.fileNames, config.options);
    const result = program.emit();
    const problems = ts.getPreEmitDiagnostics(program).concat(result.diagnostics);
    assert.deepEqual(
      problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
      [],
    );
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('leave out the members marked @internal (Future#onCancel, #whenDone, #failed)', () => {
    const future = readFileSync(join(out, 'futures/future.d.ts'), 'utf8');
    assert.match(future, /class Future/);
    for (const member of ['onCancel', 'whenDone', 'get failed']) {
      assert.ok(!future.includes(member), `future.d.ts declares ${member}`);
    }
  });

  it('show no internal RevivedOptions in a public signature (issue 19)', () => {
    for (const file of [
      'threading/thread.d.ts',
      'threading/process.d.ts',
      'threading/base-worker.d.ts',
    ]) {
      const text = readFileSync(join(out, file), 'utf8');
      assert.match(text, /constructor\(/, file);
      assert.ok(!text.includes('RevivedOptions'), `${file} mentions RevivedOptions`);
    }
    const thread = readFileSync(join(out, 'threading/thread.d.ts'), 'utf8');
    assert.match(thread, /constructor\(options\?: WorkerOptions<F>\);/);
  });

  it('a strict program using the package compiles against them, declarations checked', () => {
    const main = join(dir, 'main.ts');
    writeFileSync(
      main,
      [
        `import * as mt from ${JSON.stringify(join(out, 'index.js'))};`,
        `import type { ExecutorShutdownOptions, QueueShutdownOptions } from ${JSON.stringify(join(out, 'index.js'))};`,
        'const executor: ExecutorShutdownOptions = { wait: true, cancelFutures: false };',
        'const queue: QueueShutdownOptions = { immediate: true };',
        'const thread = new mt.Thread({ target: (a: number) => a + 1, args: [1] });',
        'const future = new mt.Future<number>();',
        'export { executor, queue, thread, future };',
      ].join('\n'),
    );
    const program = ts.createProgram([main], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
    });
    const problems = ts.getPreEmitDiagnostics(program);
    assert.deepEqual(
      problems.map(
        (d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      ),
      [],
    );
  });
});
