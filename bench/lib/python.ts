/**
 * CPython contenders: every one runs `python3 bench/python/scenarios.py <scenario>
 * <contender> <params>`, which dispatches to the function for that pair.
 */
import type { PythonContender } from './types.ts';

export function cpython(id: string, label: string): PythonContender {
  return { kind: 'python', id, label, script: 'scenarios.py' };
}
