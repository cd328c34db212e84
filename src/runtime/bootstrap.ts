/**
 * The bootstrapping guard. A child finds a task by importing its module; when that module
 * is the program's main module and its top level starts threads or processes, every child
 * would start more children as it imports it, for ever. Python's spawn refuses such a start
 * ("An attempt has been made to start a new process before the current process has finished
 * its bootstrapping phase"); so does multitask, and {@link isMainModule} is the guard idiom
 * (Python's `if __name__ == '__main__':`).
 */
import { StateError } from '../errors.ts';
import { typeError } from '../internal/validate.ts';
import { importingProgramMain, isProgramMain, isProgramRealm } from './bootstrap-state.ts';

/**
 * True in the program's main module as the program runs it; false when a thread or process
 * of the program imports that module to find its task, and in every other module. Python's
 * `if __name__ == '__main__':`. Guard a single-file program's top level with it:
 *
 * @example
 * ```ts
 * export function work(n: number): number { return n * 2; }
 * if (isMainModule(import.meta)) {
 *   const thread = new Thread({ target: taskRef(import.meta.url, 'work'), args: [21] });
 *   thread.start();
 *   await thread.join();
 * }
 * ```
 * @throws {ArgumentTypeError} when `meta` is not an `import.meta` (`ERR_INVALID_ARG_TYPE`).
 */
export function isMainModule(meta: { readonly url: string }): boolean {
  const given: unknown = meta;
  if (typeof given !== 'object' || given === null || typeof meta.url !== 'string') {
    throw typeError('meta', 'import.meta', meta);
  }
  return isProgramRealm() && isProgramMain(meta.url);
}

/**
 * Refuses to start a thread or process while this child imports the program's main module.
 * @throws {StateError} `ERR_BOOTSTRAPPING`.
 */
export function assertNotBootstrapping(what: 'thread' | 'process'): void {
  if (!importingProgramMain()) return;
  throw new StateError(
    'ERR_BOOTSTRAPPING',
    `An attempt has been made to start a new ${what} while a child of this program is ` +
      `importing the program's main module to find its task (its bootstrapping phase): ` +
      `the module's top level would run again in every child, for ever. Start threads and ` +
      `processes under \`if (isMainModule(import.meta)) { ... }\`, or move the tasks to ` +
      `their own module`,
  );
}
