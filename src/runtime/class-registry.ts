/**
 * Subclasses of Thread and Process that override `run()`. A child process or thread must
 * find the class to rebuild the instance: registration records the module that defines it,
 * and importing that module in the child registers the class there too.
 */
import { StateError } from '../errors.ts';
import { importTaskModule } from './bootstrap-state.ts';

const modules = new WeakMap<object, string>();
const classes = new Map<string, object>();

function key(module: string, className: string): string {
  return `${module}#${className}`;
}

export function registerClass(cls: { readonly name: string }, module: string): void {
  modules.set(cls, module);
  classes.set(key(module, cls.name), cls);
}

/** The module that defines a registered class, or `undefined`. */
export function moduleOfClass(cls: object): string | undefined {
  return modules.get(cls);
}

/** Imports `module` and returns the registered class `className` from it. */
export async function loadClass(module: string, className: string): Promise<object> {
  await importTaskModule(module);
  const cls = classes.get(key(module, className));
  if (cls === undefined) {
    throw new StateError(
      'ERR_NOT_REGISTERED',
      `Class \`${className}\` was not registered when ${module} was imported`,
    );
  }
  return cls;
}
