/**
 * The code blocks of the README (and the examples' READMEs) that are meant to run. A block
 * is one by carrying a marker on the line before its fence:
 *
 *     <!-- doctest: GROUP/FILE [run] [stdout="LINE|LINE"] -->
 *
 * Each marked block is written to GROUP/FILE of one project; `run` runs that file, and
 * `stdout` is what it must print, line by line (`|` separates the lines). A block that
 * imports from 'multitask' is a program, so it must carry a marker: a new example cannot
 * skip the test by accident.
 */
import { readFileSync } from 'node:fs';

export interface DocFile {
  /** `GROUP/FILE`, relative to the project the blocks are written to. */
  readonly path: string;
  readonly code: string;
  readonly run: boolean;
  /** The lines the file prints when run, when the marker states them. */
  readonly stdout: readonly string[] | undefined;
  /** Where the block is: `README.md:45`. */
  readonly where: string;
}

const MARKER = /^<!-- doctest: (\S+)((?: [a-z]+(?:="[^"]*")?)*) -->$/;
const FENCE = /^```(\w*)$/;

/** The marked blocks of `file`; throws on a malformed marker or an unmarked program. */
export function readDocFiles(file: string, label = file): DocFile[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: DocFile[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = FENCE.exec(lines[i] ?? '');
    if (fence === null || fence[1] === '') continue;
    const end = lines.indexOf('```', i + 1);
    if (end === -1) throw new Error(`${label}:${String(i + 1)}: a code block never closes`);
    const code = lines.slice(i + 1, end).join('\n') + '\n';
    const where = `${label}:${String(i + 1)}`;
    // The marker is the last line before the fence that is not blank (prettier puts a blank
    // line between an HTML comment and a fence).
    let back = i - 1;
    while (back > 0 && (lines[back] ?? '').trim() === '') back -= 1;
    const previous = lines[back] ?? '';
    if (previous.startsWith('<!-- doctest')) {
      found.push(parseMarker(previous, code, where));
    } else if (/^import .* from 'multitask';$/m.test(code)) {
      throw new Error(`${where}: a program importing 'multitask' without a doctest marker`);
    }
    i = end;
  }
  return found;
}

function parseMarker(marker: string, code: string, where: string): DocFile {
  const match = MARKER.exec(marker);
  if (match === null) throw new Error(`${where}: malformed doctest marker ${marker}`);
  const [, path = '', rest = ''] = match;
  let run = false;
  let stdout: string[] | undefined;
  for (const [, name, value] of rest.matchAll(/ ([a-z]+)(?:="([^"]*)")?/g)) {
    if (name === 'run' && value === undefined) run = true;
    else if (name === 'stdout' && value !== undefined) stdout = value.split('|');
    else throw new Error(`${where}: unknown doctest option ${name ?? ''}`);
  }
  if (!/^[\w-]+\/[\w-]+\.(ts|mts|js|mjs|json)$/.test(path)) {
    throw new Error(`${where}: a doctest path is GROUP/FILE.ts, .mjs or .json, not ${path}`);
  }
  if (stdout !== undefined && !run) throw new Error(`${where}: stdout without run`);
  return { path, code, run, stdout, where };
}
