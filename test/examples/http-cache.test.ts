/**
 * The HTTP server's cache of small files (`file-cache.ts`): what it keeps and drops, and, end
 * to end in both models, that a cached file is never served stale: rewritten at the same
 * size, swapped for a link out of the root, or deleted, the next request sees it.
 */
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { FileCache, SETTLED_MS, type CachedFile } from '../../src/examples/http/file-cache.ts';
import { startHttpServer, type HttpServer } from '../../src/examples/http/server.ts';
import { get } from '../helpers/http-get.ts';

const base = mkdtempSync(join(tmpdir(), 'multitask-http-cache-'));
const root = join(base, 'www');
const secret = 'TOP SECRET, outside the root';
const text = 'A line of text, repeated so that gzip has work to do.\n'.repeat(40);

/** Waits until every file under `paths` has been left unchanged for SETTLED_MS. */
async function settled(...paths: string[]): Promise<void> {
  const newest = Math.max(...paths.map((path) => statSync(path).ctimeMs));
  const left = newest + SETTLED_MS + 1 - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}

/** The cache entry of the file at `path`, as the server makes it. */
function entry(path: string): CachedFile {
  return { real: path, stats: statSync(path), data: readFileSync(path) };
}

before(async () => {
  mkdirSync(join(root, 'unit'), { recursive: true });
  writeFileSync(join(base, 'secret.txt'), secret);
  for (const model of ['event', 'process']) {
    writeFileSync(join(root, `${model}-one.txt`), 'one\n');
    writeFileSync(join(root, `${model}-gone.txt`), 'gone\n');
    writeFileSync(join(root, `${model}-text.txt`), text);
  }
  for (const name of ['a', 'b', 'c', 'big', 'swap']) {
    writeFileSync(join(root, 'unit', name), name === 'big' ? 'x'.repeat(100) : `${name}\n`);
  }
  await settled(join(root, 'event-text.txt'), join(root, 'unit', 'swap'));
});
after(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('FileCache', () => {
  it('keeps a settled file while it is unchanged; a rewrite, a rename over it or its removal drops it', async () => {
    const cache = new FileCache({ maxFileBytes: 1000, maxBytes: 10_000, maxEntries: 10 });
    const a = join(root, 'unit', 'a');
    cache.store(a, entry(a), Date.now());
    assert.deepEqual(cache.size, { files: 1, bytes: 2 });
    assert.equal((await cache.lookup(a))?.data.toString(), 'a\n');
    assert.equal((await cache.lookup(a))?.data.toString(), 'a\n');
    // The same size, the same inode: only the times tell.
    writeFileSync(a, 'A\n');
    assert.equal(await cache.lookup(a), undefined);
    assert.deepEqual(cache.size, { files: 0, bytes: 0 });

    const b = join(root, 'unit', 'b');
    cache.store(b, entry(b), Date.now());
    const other = join(root, 'unit', 'other');
    writeFileSync(other, 'B\n');
    renameSync(other, b);
    assert.equal(await cache.lookup(b), undefined);

    const c = join(root, 'unit', 'c');
    cache.store(c, entry(c), Date.now());
    unlinkSync(c);
    assert.equal(await cache.lookup(c), undefined);
    assert.equal(await cache.lookup(join(root, 'unit', 'never-stored')), undefined);
    assert.deepEqual(cache.size, { files: 0, bytes: 0 });
  });

  it('a link swapped in for a cached file is another file: dropped', async () => {
    const cache = new FileCache({ maxFileBytes: 1000, maxBytes: 10_000, maxEntries: 10 });
    const swap = join(root, 'unit', 'swap');
    cache.store(swap, entry(swap), Date.now());
    unlinkSync(swap);
    symlinkSync(join(base, 'secret.txt'), swap);
    assert.equal(await cache.lookup(swap), undefined);
    assert.deepEqual(cache.size, { files: 0, bytes: 0 });
  });

  it('refuses a file changed within the settling time and one over the size limit; evicts the oldest', async () => {
    const fresh = join(base, 'fresh.txt');
    writeFileSync(fresh, 'fresh\n');
    const cache = new FileCache({ maxFileBytes: 50, maxBytes: 6, maxEntries: 2 });
    cache.store(fresh, entry(fresh), Date.now());
    assert.deepEqual(cache.size, { files: 0, bytes: 0 });
    // Read SETTLED_MS after its last change, it would have been kept.
    const since = statSync(fresh).ctimeMs + SETTLED_MS;
    cache.store(fresh, entry(fresh), since);
    assert.deepEqual(cache.size, { files: 1, bytes: 6 });
    rmSync(fresh);

    const small = new FileCache({ maxFileBytes: 50, maxBytes: 6, maxEntries: 2 });
    const big = join(root, 'unit', 'big');
    small.store(big, entry(big), Date.now());
    assert.deepEqual(small.size, { files: 0, bytes: 0 });
    // Two bytes each ("x\n"): three fit in bytes, but only two in entries.
    const names = ['p', 'q', 'r'].map((name) => join(base, name));
    for (const name of names) writeFileSync(name, 'x\n');
    const later = Date.now() + SETTLED_MS + 1;
    for (const name of names) small.store(name, entry(name), later);
    assert.deepEqual(small.size, { files: 2, bytes: 4 });
    assert.equal(await small.lookup(names[0] ?? ''), undefined);
    assert.equal((await small.lookup(names[2] ?? ''))?.data.toString(), 'x\n');
    // Four bytes more than the 6 allowed: both others go.
    const four = join(base, 'four');
    writeFileSync(four, 'xyz\n');
    const bigger = new FileCache({ maxFileBytes: 50, maxBytes: 6, maxEntries: 10 });
    // Read as if SETTLED_MS after the last of them was written.
    const settledAll = Date.now() + SETTLED_MS + 1;
    for (const name of [...names, four]) bigger.store(name, entry(name), settledAll);
    assert.deepEqual(bigger.size, { files: 2, bytes: 6 });
    assert.equal((await bigger.lookup(four))?.data.toString(), 'xyz\n');
  });
});

for (const model of ['event', 'process'] as const) {
  describe(`startHttpServer({ model: '${model}' }) - cached files are never stale`, () => {
    let server: HttpServer;
    before(async () => {
      server = await startHttpServer({ root, port: 0, model, processes: 2, gzip: true });
    });
    after(() => server.close());

    /** Four requests on fresh connections (so each process of the model gets some). */
    async function four(
      path: string,
      headers: Record<string, string> = {},
    ): Promise<Awaited<ReturnType<typeof get>>[]> {
      return Promise.all(Array.from({ length: 4 }, () => get(server.port, path, { headers })));
    }

    it('a file rewritten at the same size is served new, with a new ETag', async () => {
      const path = `/${model}-one.txt`;
      const before = await four(path);
      assert.deepEqual(
        before.map((res) => res.body.toString()),
        ['one\n', 'one\n', 'one\n', 'one\n'],
      );
      const etag = before[0]?.headers.etag;
      writeFileSync(join(root, `${model}-one.txt`), 'two\n');
      const after = await four(path);
      assert.deepEqual(
        after.map((res) => res.body.toString()),
        ['two\n', 'two\n', 'two\n', 'two\n'],
      );
      for (const res of after) assert.notEqual(res.headers.etag, etag);
    });

    it('a file swapped for a link out of the root is refused; a deleted one is 404', async () => {
      const file = join(root, `${model}-gone.txt`);
      assert.deepEqual(
        (await four(`/${model}-gone.txt`)).map((res) => res.status),
        [200, 200, 200, 200],
      );
      unlinkSync(file);
      symlinkSync(join(base, 'secret.txt'), file);
      for (const res of await four(`/${model}-gone.txt`)) {
        assert.equal(res.status, 403);
        assert.doesNotMatch(res.body.toString(), /TOP SECRET/);
      }
      unlinkSync(file);
      assert.deepEqual(
        (await four(`/${model}-gone.txt`)).map((res) => res.status),
        [404, 404, 404, 404],
      );
    });

    it('ranges, HEAD, 304 and gzip are answered from a cached file as from the disk', async () => {
      const path = `/${model}-text.txt`;
      const whole = await four(path);
      for (const res of whole) assert.equal(res.body.toString(), text);
      const etag = String(whole[0]?.headers.etag);
      for (const res of await four(path, { Range: 'bytes=10-19' })) {
        assert.equal(res.status, 206);
        assert.equal(res.headers['content-range'], `bytes 10-19/${text.length}`);
        assert.equal(res.body.toString(), text.slice(10, 20));
      }
      for (const res of await four(path, { 'If-None-Match': etag })) {
        assert.equal(res.status, 304);
        assert.equal(res.body.length, 0);
      }
      const heads = await Promise.all(
        Array.from({ length: 4 }, () => get(server.port, path, { method: 'HEAD' })),
      );
      for (const res of heads) {
        assert.equal(res.headers['content-length'], String(text.length));
        assert.equal(res.body.length, 0);
      }
      for (const res of await four(path, { 'Accept-Encoding': 'gzip' })) {
        assert.equal(res.headers['content-encoding'], 'gzip');
        assert.equal(gunzipSync(res.body).toString(), text);
      }
    });
  });
}
