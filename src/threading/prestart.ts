/**
 * The options of `Thread.prestart()` and `Process.prestart()`: which modules a spare loads
 * while it waits (the launchers keep the spares: runtime/thread-launcher.ts,
 * runtime/process-launcher.ts).
 */
import { typeError } from '../internal/validate.ts';
import { isTaskRef, moduleUrl, type TaskRef } from '../runtime/target.ts';

/** Options of `Thread.prestart()` and `Process.prestart()`. */
export interface PrestartOptions {
  /**
   * Modules each new spare imports while it waits (task references, `file:` URLs or
   * absolute paths), so that a target from one of them starts without loading it, as
   * Python's `set_forkserver_preload()`. A module that fails to load there is imported (and
   * its error reported) again by the target that needs it.
   */
  readonly preload?: readonly (TaskRef | string | URL)[] | undefined;
}

/** The `file:` URLs of `options.preload`, checked. */
export function preloadUrls(options: PrestartOptions | undefined): string[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw typeError('options', 'an object', options);
  }
  const { preload = [] } = options;
  if (!Array.isArray(preload)) throw typeError('preload', 'an array', preload);
  return preload.map((module: unknown, i) =>
    isTaskRef(module) ? module.module : moduleUrl(module as string | URL, `preload[${i}]`),
  );
}
