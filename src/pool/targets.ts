/**
 * Target keys. A task names its target by a small number; a worker is sent a target's spec
 * once, with the first task of its batch that uses it, and keeps it by key from then on.
 */
import type { TargetSpec } from '../runtime/protocol.ts';
import { targetSpec, type Target } from '../runtime/target.ts';

/** The targets a pool has seen, each with its key. */
export class TargetTable {
  /** Keys by the spec's text: two functions of the same source share one key. */
  readonly #keys = new Map<string, number>();
  /** Keys by function or task reference: a target seen before is not checked again. */
  readonly #keyOfFunction = new WeakMap<object, number>();
  /** Specs by key. */
  readonly #specs: TargetSpec[] = [];

  /**
   * The key of a target, checking it the first time it is seen.
   * @throws {PicklingError} for an inline function that captures variables.
   */
  keyOf(target: Target): number {
    const value: unknown = target;
    if ((typeof value === 'function' || typeof value === 'object') && value !== null) {
      const known = this.#keyOfFunction.get(target);
      if (known !== undefined) return known;
      const key = this.#keyOfSpec(targetSpec(target, 'task'));
      this.#keyOfFunction.set(target, key);
      return key;
    }
    return this.#keyOfSpec(targetSpec(target, 'task'));
  }

  /** The spec of a key {@link TargetTable.keyOf} gave. */
  spec(key: number): TargetSpec | undefined {
    return this.#specs[key];
  }

  #keyOfSpec(spec: TargetSpec): number {
    const text =
      spec.kind === 'ref' ? `ref ${spec.module}#${spec.exportName}` : JSON.stringify(spec);
    let key = this.#keys.get(text);
    if (key === undefined) {
      key = this.#specs.length;
      this.#specs.push(spec);
      this.#keys.set(text, key);
    }
    return key;
  }
}
