/**
 * Finding and calling a target in the child (target.ts names one in the parent). Kept apart
 * from target.ts so that a child loads neither the function parser nor path helpers; and
 * what only a failure or a function sent as source needs is loaded only then, since each
 * module a child loads costs its start.
 */
import { importTaskModule } from './bootstrap-state.ts';
import type { TargetSpec } from './protocol.ts';
import type { AnyFunction } from './target.ts';

/** Imports a referenced task and checks that it is a function. */
export async function loadTask(module: string, exportName: string): Promise<AnyFunction> {
  const namespace = (await importTaskModule(module)) as Record<string, unknown>;
  const task = namespace[exportName];
  if (typeof task !== 'function') {
    const [{ ArgumentTypeError }, { describeValue }] = await Promise.all([
      import('../errors.ts'),
      import('../internal/validate.ts'),
    ]);
    throw new ArgumentTypeError(
      `Expected \`${exportName}\` to be a function exported by ${module}, got ${describeValue(task)}`,
      'ERR_TARGET_NOT_FOUND',
    );
  }
  return task as AnyFunction;
}

/** Resolves a target spec in the child and calls it. */
export async function callTarget(spec: TargetSpec, args: readonly unknown[]): Promise<unknown> {
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'ref':
      return (await loadTask(spec.module, spec.exportName))(...args);
    case 'source': {
      const { reviveFunction } = await import('../transport/function-revive.ts');
      return reviveFunction(spec)(...args);
    }
  }
}
