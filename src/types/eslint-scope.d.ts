/**
 * The part of eslint-scope that multitask uses, typed by hand: the package ships no types.
 * Only `analyze()` and the unresolved references of the global scope are declared.
 */
declare module 'eslint-scope' {
  /** One occurrence of an identifier in the analysed tree. */
  export interface Reference {
    /** The identifier node from the parser's tree (acorn's, here). */
    readonly identifier: { readonly name: string; readonly start: number; readonly end: number };
  }

  /** A lexical scope. */
  export interface Scope {
    /** References not resolved in this scope or any scope inside it. */
    readonly through: readonly Reference[];
  }

  /** The result of an analysis. */
  export interface ScopeManager {
    /** The outermost scope; `null` only before analysis. */
    readonly globalScope: Scope | null;
  }

  /** Options of {@link analyze}. */
  export interface AnalyzeOptions {
    /** Only compared with 5 and 6: any number from 6 up enables block scopes and classes. */
    readonly ecmaVersion?: number;
    readonly sourceType?: 'script' | 'module' | 'commonjs';
    /** Treat `eval(...)` as an ordinary call instead of making every enclosing scope dynamic. */
    readonly ignoreEval?: boolean;
    readonly impliedStrict?: boolean;
  }

  /** Analyses the scopes of an ESTree program. */
  export function analyze(tree: object, options?: AnalyzeOptions): ScopeManager;
}
