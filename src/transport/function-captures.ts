/**
 * What an inline function uses from its surroundings (function-source.ts): the names it
 * neither declares nor finds among the globals, found by a scope analyser (eslint-scope), and
 * what the analyser does not see (`this`, `super`, `new.target`, private names of a class
 * around it). Any of them would fail inside the worker, where the surroundings are gone.
 */
import { createRequire } from 'node:module';
import type { AnyNode, ArrowFunctionExpression, FunctionExpression, Program } from 'acorn';

/** `__name(fn, "fn")`, which esbuild (tsx) inserts to keep names; the child installs a shim. */
const ESBUILD_NAME_HELPER = '__name';

/** A function the parser found: an arrow function, or a function or method's expression. */
export type TargetNode = ArrowFunctionExpression | FunctionExpression;

let analyzer: typeof import('eslint-scope').analyze | undefined;

/** The scope analyser, loaded on first use, as the parser is (function-source.ts). */
function analyze(): typeof import('eslint-scope').analyze {
  if (analyzer === undefined) {
    const require = createRequire(import.meta.url);
    analyzer = (require('eslint-scope') as typeof import('eslint-scope')).analyze;
  }
  return analyzer;
}

/**
 * The names `node`, the target function in the parsed `program`, captures from its
 * surroundings: free names (not globals), then lexical captures (`this`, `#x`, ...).
 */
export function capturedNames(program: Program, node: TargetNode): Set<string> {
  return new Set([...freeNames(program), ...lexicalCaptures(node)]);
}

/** Names used but not declared anywhere in `program`, except globals. */
function freeNames(program: Program): string[] {
  const scopes = analyze()(program, {
    // eslint-scope only distinguishes ES5 from ES2015 and later.
    ecmaVersion: 2022,
    sourceType: 'script',
    // Otherwise a direct `eval()` makes every variable of the function look unresolved.
    // What the evaluated string uses is out of reach of any static check.
    ignoreEval: true,
  });
  const through = scopes.globalScope?.through ?? [];
  return through.map((reference) => reference.identifier.name).filter((name) => !isGlobal(name));
}

/**
 * A name the worker resolves the same way: a property of `globalThis` or of its prototype
 * chain, looked up now rather than listed, so that new Node globals need no update. esbuild's
 * `__name` helper is a module variable in the parent and a shim in the worker.
 */
function isGlobal(name: string): boolean {
  return name === ESBUILD_NAME_HELPER || name in globalThis;
}

/**
 * What the scope analysis does not see: `this`, `new.target` and `super` that belong to
 * a function outside the target, and private names (`#x`) that belong to a class outside
 * it. `arguments` needs no special case: an arrow function declares none, so a use of it
 * is an unresolved reference like any other.
 */
function lexicalCaptures(target: TargetNode): Set<string> {
  const found = new Set<string>();
  /**
   * @param outerThis - `this` and `new.target` here are the surroundings' (true at the top
   *   level of an arrow target, false inside any non-arrow function).
   * @param outerSuper - `super` here is the surroundings': true at the top level of any
   *   target, as a revived method has no home object to look `super` up on.
   * @param privateNames - The private names declared by the classes around `node`.
   */
  const visit = (
    node: AnyNode,
    outerThis: boolean,
    outerSuper: boolean,
    privateNames: readonly ReadonlySet<string>[],
  ): void => {
    const visitAll = (children: Iterable<AnyNode>, ownThis = outerThis, ownSuper = outerSuper) => {
      for (const child of children) visit(child, ownThis, ownSuper, privateNames);
    };
    if (node.type === 'ThisExpression') {
      if (outerThis) found.add('this');
    } else if (node.type === 'Super') {
      if (outerSuper) found.add('super');
    } else if (node.type === 'MetaProperty') {
      if (node.meta.name === 'new' && outerThis) found.add('new.target');
    } else if (node.type === 'PrivateIdentifier') {
      if (!privateNames.some((names) => names.has(node.name))) found.add(`#${node.name}`);
    } else if (
      node.type === 'FunctionExpression' ||
      node.type === 'FunctionDeclaration' ||
      node.type === 'StaticBlock'
    ) {
      // Each has its own `this`, `new.target` and `super`.
      visitAll(childNodes(node), false, false);
    } else if (node.type === 'PropertyDefinition') {
      // A computed key runs in the surroundings; the initialiser runs as a method would.
      if (node.computed) visitAll([node.key]);
      if (node.value) visitAll([node.value], false, false);
    } else if (node.type === 'ClassBody') {
      const declared = new Set<string>();
      for (const member of node.body) {
        if (member.type !== 'StaticBlock' && member.key.type === 'PrivateIdentifier') {
          declared.add(member.key.name);
        }
      }
      for (const member of node.body) {
        visit(member, outerThis, outerSuper, [...privateNames, declared]);
      }
    } else {
      visitAll(childNodes(node));
    }
  };
  for (const child of [...target.params, target.body]) {
    visit(child, target.type === 'ArrowFunctionExpression', true, []);
  }
  return found;
}

/** The child nodes of an ESTree node, found generically so new node types need no table. */
function* childNodes(node: AnyNode): Generator<AnyNode> {
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) yield item;
    } else if (isNode(value)) {
      yield value;
    }
  }
}

function isNode(value: unknown): value is AnyNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}
