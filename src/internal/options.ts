/**
 * Strict options: an options object with a key the callee does not know is refused, naming
 * the nearest known one (`unknown option \`arg\`; did you mean \`args\`?`), as Python refuses
 * an unexpected keyword argument. A task reference or a function where an options object
 * is expected (`new Thread(task)`) is refused with what to pass instead.
 */
import { ArgumentTypeError } from '../errors.ts';
import { describeValue, typeError } from './validate.ts';

/** Every key of an options type, each `true`: the compiler keeps the list complete. */
export type OptionKeys<T> = { readonly [K in keyof T]-?: true };

/** The known keys of an options type, from its complete {@link OptionKeys} record. */
export function optionNames<T>(keys: OptionKeys<T>): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/** A name without case or underscores. */
function folded(name: string): string {
  return name.toLowerCase().replaceAll('_', '');
}

/**
 * The edit distance between `a` and `b` (insertions, deletions, substitutions and swaps of
 * two neighbours each count one), ignoring case and underscores (Python's `max_workers` is
 * `maxWorkers`).
 */
export function editDistance(a: string, b: string): number {
  const s = folded(a);
  const t = folded(b);
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) rows.push([i]);
  for (let j = 1; j <= t.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= s.length; i++) {
    const row = rows[i] as number[];
    const up = rows[i - 1] as number[];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (rows[s.length] as number[])[t.length] as number;
}

/** The known name nearest to `name`, when it is near enough to be the one meant. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.min(name.length, best.length) / 3));
  return bestDistance <= limit || sharesStem(name, best) ? best : undefined;
}

/** Whether two names start alike for four letters or more (`blocked`, `blocking`). */
function sharesStem(a: string, b: string): boolean {
  const s = folded(a);
  const t = folded(b);
  let common = 0;
  while (common < s.length && s[common] === t[common]) common++;
  return common >= 4;
}

/** Whether `value` looks like a task reference (module and export name). */
function isTaskRefLike(value: object): value is { module: string; exportName: string } {
  const ref = value as { module?: unknown; exportName?: unknown };
  return typeof ref.module === 'string' && typeof ref.exportName === 'string';
}

/**
 * Checks the options object `options` given to `where` (`new Thread()`): `undefined`, or an
 * object whose own keys are all `known`.
 * @param instead what to write when a task or function was passed as the options
 *   (for example "`{ target: task }`").
 * @throws {ArgumentTypeError} `ERR_INVALID_ARG_TYPE` for a task reference, a function or a
 *   value that is not an object; `ERR_UNKNOWN_OPTION` for an unknown key.
 */
export function checkOptions(
  options: unknown,
  known: readonly string[],
  where: string,
  instead = 'an options object',
): void {
  if (options === undefined) return;
  if (
    typeof options === 'function' ||
    (typeof options === 'object' && options !== null && isTaskRefLike(options))
  ) {
    const shown =
      typeof options === 'function'
        ? describeValue(options)
        : `the task reference \`${(options as { exportName: string }).exportName}\``;
    throw new ArgumentTypeError(
      `Expected the options of ${where} to be an options object, got ${shown}: pass ${instead}`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw typeError(`options of ${where}`, 'an options object', options);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const nearest = nearestName(key, known);
    const hint =
      nearest === undefined
        ? `known options: ${known.map((name) => `\`${name}\``).join(', ')}`
        : `did you mean \`${nearest}\`?`;
    throw new ArgumentTypeError(
      `Unknown option \`${key}\` of ${where}; ${hint}`,
      'ERR_UNKNOWN_OPTION',
    );
  }
}
