/**
 * The shape of the source tree (docs/architecture.md): each folder imports only the layers
 * below it, no module imports itself round a cycle, child-side entry points load no
 * parent-side machinery, and no source file grows past 400 lines without saying why.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const src = join(root, 'src');

/**
 * Each top folder of src/ and its layer: a module may import its own folder and folders of
 * lower layers, never a higher layer nor another folder of its own layer.
 */
const LAYERS: Readonly<Record<string, number>> = {
  'error-codes.ts': 0,
  'errors-core.ts': 0.3,
  'errors-subprocess.ts': 0.4,
  'errors.ts': 0.5,
  types: 0,
  internal: 1,
  transport: 2,
  memory: 3,
  broker: 4,
  sync: 5,
  queue: 6,
  values: 6,
  runtime: 7,
  threading: 8,
  subprocess: 8,
  futures: 9,
  pool: 10,
  manager: 10,
  coroutine: 10,
  distributed: 11,
  diagnostics: 11,
  // The public surface; the programs below stand on it as a user's program would.
  'index.ts': 12,
  examples: 13,
  cli: 14,
};

/** Modules that start or serve children: a child's entry point must not load them. */
const PARENT_ONLY = [
  'pool/engine.ts',
  'pool/pool-worker.ts',
  'pool/worker-slot.ts',
  'runtime/thread-launcher.ts',
  'runtime/process-launcher.ts',
  'threading/base-worker.ts',
  'threading/thread.ts',
  'threading/process.ts',
];

/** A file past this many lines says why at its top, after this marker. */
const MAX_LINES = 400;
const LENGTH_REASON = 'Why this file is long:';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(src).map((file) => relative(src, file));
const texts = new Map(files.map((file) => [file, readFileSync(join(src, file), 'utf8')]));

/** Relative imports of `file` that exist at run time (type-only imports are left out). */
function runtimeImports(file: string): string[] {
  const text = texts.get(file) ?? '';
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let specifier: ts.Expression | undefined;
    if (
      ts.isImportDeclaration(node) &&
      node.importClause?.phaseModifier !== ts.SyntaxKind.TypeKeyword
    ) {
      specifier = node.moduleSpecifier;
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly) {
      specifier = node.moduleSpecifier;
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length === 1
    ) {
      specifier = node.arguments[0];
    }
    if (specifier !== undefined && ts.isStringLiteral(specifier)) {
      if (specifier.text.startsWith('.')) {
        found.push(normalize(join(dirname(file), specifier.text)));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return found;
}

/** Every relative import of `file`, type-only ones too. */
function allImports(file: string): string[] {
  const info = ts.preProcessFile(texts.get(file) ?? '', true, true);
  return info.importedFiles
    .map((ref) => ref.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => normalize(join(dirname(file), name)));
}

function topFolder(file: string): string {
  return file.split('/')[0] ?? file;
}

describe('source tree', () => {
  it('every top folder of src/ has a layer', () => {
    const unknown = [...new Set(files.map(topFolder))].filter((folder) => !(folder in LAYERS));
    assert.deepEqual(unknown, []);
  });

  it('no module imports a higher layer or another folder of its own layer', () => {
    const backEdges: string[] = [];
    for (const file of files) {
      const from = topFolder(file);
      for (const target of allImports(file)) {
        const to = topFolder(target);
        if (to === from) continue;
        const fromLayer = LAYERS[from] ?? Infinity;
        const toLayer = LAYERS[to] ?? Infinity;
        if (toLayer >= fromLayer) backEdges.push(`${file} -> ${target}`);
      }
    }
    assert.deepEqual(backEdges, []);
  });

  it('no import cycles', () => {
    // Tarjan's strongly connected components over the run-time import graph.
    const graph = new Map(files.map((file) => [file, runtimeImports(file)]));
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    let next = 0;
    const connect = (file: string): void => {
      index.set(file, next);
      low.set(file, next);
      next++;
      stack.push(file);
      onStack.add(file);
      for (const target of graph.get(file) ?? []) {
        if (!graph.has(target)) continue;
        if (!index.has(target)) {
          connect(target);
          low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
        } else if (onStack.has(target)) {
          low.set(file, Math.min(low.get(file) ?? 0, index.get(target) ?? 0));
        }
      }
      if (low.get(file) === index.get(file)) {
        const component: string[] = [];
        for (;;) {
          const member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          component.push(member);
          if (member === file) break;
        }
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const file of files) if (!index.has(file)) connect(file);
    assert.deepEqual(cycles, []);
  });

  it('child-side entry points load no parent-side module', () => {
    const graph = new Map(files.map((file) => [file, runtimeImports(file)]));
    const offending: string[] = [];
    for (const entry of files.filter((file) => file.includes('/entry/'))) {
      const seen = new Set<string>();
      const path = new Map<string, string>();
      const pending = [entry];
      while (pending.length > 0) {
        const file = pending.pop() ?? entry;
        for (const target of graph.get(file) ?? []) {
          if (seen.has(target)) continue;
          seen.add(target);
          path.set(target, file);
          pending.push(target);
        }
      }
      for (const parentSide of PARENT_ONLY) {
        if (!seen.has(parentSide)) continue;
        const chain = [parentSide];
        for (let at = parentSide; at !== entry;) {
          at = path.get(at) ?? entry;
          chain.unshift(at);
        }
        offending.push(chain.join(' -> '));
      }
    }
    assert.deepEqual(offending, []);
  });

  it(`no source file is longer than ${MAX_LINES} lines without a reason at its top`, () => {
    const long = files.filter((file) => {
      const text = texts.get(file) ?? '';
      const lines = text.split('\n').length;
      return lines > MAX_LINES && !text.slice(0, 2000).includes(LENGTH_REASON);
    });
    assert.deepEqual(long, []);
  });
});
