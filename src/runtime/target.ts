/**
 * Naming the code a thread or process runs. Node cannot send a function to another
 * thread, so a worker finds its target the way Python's spawn start method does: by
 * module and export name ({@link taskModule}, {@link taskRef}). Self-contained inline
 * functions are shipped as source instead (see transport/function-source.ts).
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArgumentTypeError } from '../errors.ts';
import { describeValue, typeError } from '../internal/validate.ts';
import { shipFunction } from '../transport/function-source.ts';
import type { TargetSpec } from './protocol.ts';

// The child's side, apart so that a child loads no parser (target-call.ts).
export { callTarget, loadTask } from './target-call.ts';

/** Any function: the shape of a target. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parameter types are inferred per target
export type AnyFunction = (...args: any[]) => unknown;

const kTaskRef: unique symbol = Symbol('multitask.taskRef');
declare const kFunctionType: unique symbol;

/**
 * A reference to an exported function of a module, which a thread or process imports and
 * calls. The function's type rides along so that `args` and results are type-checked.
 */
export interface TaskRef<F extends AnyFunction = AnyFunction> {
  /** The module's absolute `file:` URL. */
  readonly module: string;
  /** The export's name. */
  readonly exportName: string;
  readonly [kTaskRef]: true;
  /** Type-level only: the referenced function's type. */
  readonly [kFunctionType]?: F;
}

/** The task references of a module: one property per exported function. */
export type TaskModule<M> = {
  readonly [K in keyof M as M[K] extends AnyFunction ? K : never]: M[K] extends AnyFunction
    ? TaskRef<M[K]>
    : never;
};

/** What a thread, process or pool can run: a task reference or an inline function. */
export type Target<F extends AnyFunction = AnyFunction> = F | TaskRef<F>;

/** The `file:` URL of a module named by a `file:` URL or an absolute path. */
export function moduleUrl(module: string | URL, name: string): string {
  if (module instanceof URL) {
    if (module.protocol !== 'file:') {
      throw new ArgumentTypeError(
        `Expected \`${name}\` to be a file: URL or an absolute path, got \`${module.href}\``,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    return module.href;
  }
  if (typeof module !== 'string') throw typeError(name, 'a file URL or an absolute path', module);
  if (module.startsWith('file:')) return new URL(module).href;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new ArgumentTypeError(
    `Expected \`${name}\` to be a file: URL or an absolute path, got ${describeValue(module)}: ` +
      `write new URL(${JSON.stringify(module)}, import.meta.url)`,
    'ERR_INVALID_ARG_VALUE',
  );
}

/**
 * A reference to the export `exportName` of `module`.
 *
 * @example
 * ```ts
 * const sumBelow = taskRef<typeof import('./tasks.js').sumBelow>(
 *   new URL('./tasks.js', import.meta.url),
 *   'sumBelow',
 * );
 * ```
 */
export function taskRef<F extends AnyFunction>(
  module: string | URL,
  exportName: string,
): TaskRef<F> {
  if (typeof exportName !== 'string' || exportName === '') {
    throw typeError('exportName', 'a non-empty string', exportName);
  }
  return Object.freeze({
    module: moduleUrl(module, 'module'),
    exportName,
    [kTaskRef]: true as const,
  });
}

/**
 * The exported functions of a module as task references, typed from the module itself.
 * Nothing is imported here: the module is loaded only by the workers that run its tasks.
 *
 * @example
 * ```ts
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * new Thread({ target: tasks.sumBelow, args: [1_000_000] }).start();
 * ```
 */
export function taskModule<M extends object>(module: string | URL): TaskModule<M> {
  const href = moduleUrl(module, 'module');
  const refs = new Map<string, TaskRef>();
  return new Proxy({} as TaskModule<M>, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      let ref = refs.get(property);
      if (ref === undefined) {
        ref = taskRef(href, property);
        refs.set(property, ref);
      }
      return ref;
    },
  });
}

export function isTaskRef(value: unknown): value is TaskRef {
  return typeof value === 'object' && value !== null && kTaskRef in value;
}

/**
 * How a child finds `target`: by module and export, or as shipped source.
 * @param name - The argument's name in errors: `target`, `task`, `initializer`.
 * @throws {PicklingError} for an inline function that captures variables.
 */
export function targetSpec(target: Target | undefined, name = 'target'): TargetSpec {
  if (target === undefined) return { kind: 'none' };
  if (isTaskRef(target))
    return { kind: 'ref', module: target.module, exportName: target.exportName };
  if (typeof target === 'function') return { kind: 'source', ...shipFunction(target, name) };
  throw typeError(name, 'a function or a task reference from taskModule()', target);
}
