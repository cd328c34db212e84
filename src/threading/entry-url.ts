/**
 * Where the child-side entry points are: next to this file, with this file's extension
 * (`.ts` when the library runs from source through tsx, `.js` from `dist/`).
 */
const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

export function entryUrl(name: 'thread-entry' | 'process-entry'): URL {
  return new URL(`./entry/${name}.${extension}`, import.meta.url);
}
