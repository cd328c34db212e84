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

  it('declare the repr toString() of every public class that has one (lint rules see it)', async () => {
    // `@typescript-eslint/no-base-to-string` flags `String(lock)` when the type's toString is
    // Object's: a class whose instances print a Python repr must say so in its declaration.
    const api = (await import('../../src/index.js')) as Record<string, unknown>;
    const withRepr = Object.entries(api)
      .filter((entry): entry is [string, new (...args: never[]) => object] => {
        const [, value] = entry;
        return typeof value === 'function' && typeof value.prototype === 'object';
      })
      .filter(([, cls]) => !(cls.prototype instanceof Error))
      .filter(([, cls]) => (cls.prototype as object).toString !== Object.prototype.toString)
      .map(([name]) => name);
    assert.ok(withRepr.length >= 20, `only ${withRepr.length} classes with a repr`);

    const program = ts.createProgram([join(out, 'index.d.ts')], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
    });
    const checker = program.getTypeChecker();
    const index = program.getSourceFile(join(out, 'index.d.ts'));
    assert.ok(index !== undefined);
    const moduleSymbol = checker.getSymbolAtLocation(index);
    assert.ok(moduleSymbol !== undefined);
    const exported = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
    const undeclared = withRepr.filter((name) => {
      const symbol = exported.get(name);
      assert.ok(symbol !== undefined, name);
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const instance = checker.getDeclaredTypeOfSymbol(target);
      const declarations = instance.getProperty('toString')?.declarations ?? [];
      return !declarations.some((d) => !d.getSourceFile().fileName.includes('/typescript/lib/'));
    });
    assert.deepEqual(undeclared, []);
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
