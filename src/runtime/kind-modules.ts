/**
 * Loading the kinds of shared object a child receives, and only those. Importing every
 * kind (62 modules) costs a new thread or process more than the rest of its
 * start-up together, and most children receive no shared object at all. So the parent,
 * which has every kind it encodes registered, lists the modules that register the kinds in
 * a child's arguments (nested states included: a `Value`'s lock), and the child imports
 * them before it rebuilds the arguments (`RunSpec.kindModules`).
 */
import { siblingModule } from '../internal/loader-hooks.ts';
import {
  ENVELOPE_KEY,
  hasSharedKind,
  isRemoteState,
  sharedKindModule,
  type SharedState,
} from '../memory/shared-object.ts';

/** Installs the process bridge, which rebuilds an object that a broker serves. */
const BROKER_MODULE = siblingModule(import.meta.url, '../broker/broker').href;

function isState(value: object): value is SharedState {
  const kind = (value as { kind?: unknown }).kind;
  return typeof kind === 'string' && hasSharedKind(kind);
}

/**
 * The modules a realm must import to rebuild every envelope in `encoded` (the output of
 * `encodeShared`): each kind's own module, and the broker's when a state is remote. Walks
 * what structured clone walks, states' `meta` included; cycles are followed once.
 */
export function kindModulesOf(encoded: unknown): string[] {
  const modules = new Set<string>();
  const seen = new Set<object>();
  const stack: unknown[] = [encoded];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (ArrayBuffer.isView(node) || node instanceof ArrayBuffer) continue;
    if (node instanceof SharedArrayBuffer) continue;
    if (ENVELOPE_KEY in node) {
      stack.push((node as Record<string, unknown>)[ENVELOPE_KEY]);
      continue;
    }
    if (isState(node)) {
      modules.add(sharedKindModule(node.kind));
      if (isRemoteState(node)) modules.add(BROKER_MODULE);
      stack.push(node.meta);
      continue;
    }
    if (node instanceof Map)
      for (const entry of node as Map<unknown, unknown>) stack.push(...entry);
    else if (node instanceof Set) stack.push(...(node as Set<unknown>));
    else stack.push(...(Object.values(node) as unknown[]));
  }
  return [...modules];
}
