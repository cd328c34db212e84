/**
 * The HTTP server's process model (N processes sharing the listening socket, node:cluster)
 * and its optional gzip, end to end over real sockets on 127.0.0.1: every process serves,
 * the access log reaches the primary, close() is graceful and leaves no process behind, and
 * neither does a primary killed outright; gzip is negotiated with Accept-Encoding, announced
 * with Vary, never applied to ranges, and tagged as a representation of its own.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startHttpServer } from '../../src/examples/http/server.ts';
import { get } from '../helpers/http-get.ts';
import { pidExists, runScript, waitForPidGone } from '../helpers/scripts.ts';

const root = mkdtempSync(join(tmpdir(), 'multitask-http-models-'));
const text = 'All work and no play makes Jack a dull boy.\n'.repeat(200);
const big = randomBytes(8 * 1024 * 1024 + 3);
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

before(() => {
  writeFileSync(join(root, 'text.txt'), text);
  writeFileSync(join(root, 'tiny.txt'), 'tiny\n');
  writeFileSync(join(root, 'big.bin'), big);
  // A day old: its Last-Modified is a strong validator (If-Range by date).
  const old = new Date(Date.now() - 86_400_000);
  utimesSync(join(root, 'text.txt'), old, old);
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("startHttpServer({ model: 'process' })", () => {
  it('two processes both serve, the log reaches the primary, close() ends every process', async () => {
    const log: string[] = [];
    const server = await startHttpServer({
      root,
      port: 0,
      model: 'process',
      processes: 2,
      workers: 1,
      log: (line) => log.push(line),
    });
    const pids = [...server.pids];
    try {
      assert.equal(server.model, 'process');
      assert.equal(pids.length, 2);
      assert.ok(!pids.includes(process.pid));
      // Each request on a new connection; the primary hands connections out in turn.
      const seen = new Set<number>();
      for (let i = 0; i < 50 && seen.size < 2; i++) {
        const res = await get(server.port, '/dyn/info');
        assert.equal(res.status, 200);
        seen.add(Number(/<dt>Process<\/dt><dd>(\d+)<\/dd>/.exec(res.body.toString())?.[1]));
      }
      assert.deepEqual([...seen].sort(), [...pids].sort());
      const file = await get(server.port, '/text.txt');
      assert.equal(file.body.toString(), text);
      // The log line of that request was written by a child and relayed.
      while (!log.some((line) => line.includes('"GET /text.txt HTTP/1.1" 200 8800'))) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      await server.close();
    }
    for (const pid of pids) assert.equal(pidExists(pid), false, `process ${pid} is left`);
  });

  it('close() lets a download in progress finish in its process', async () => {
    const server = await startHttpServer({ root, port: 0, model: 'process', processes: 2 });
    const socket = connect(server.port, '127.0.0.1');
    try {
      const chunks: Buffer[] = [];
      socket.pause();
      socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise<void>((resolve) => {
        socket.once('readable', () => {
          resolve();
        });
      });
      const closing = server.close();
      const ended = new Promise<void>((resolve) => {
        socket.once('close', () => {
          resolve();
        });
      });
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.resume();
      await ended;
      await closing;
      const received = Buffer.concat(chunks);
      const head = received.indexOf('\r\n\r\n');
      assert.match(received.subarray(0, head).toString('latin1'), /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal(sha256(received.subarray(head + 4)), sha256(big));
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it('the CLI: SIGTERM stops gracefully; a primary killed with SIGKILL leaves no child', async () => {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const run = runScript(cli, [
        'http',
        root,
        '--port',
        '0',
        '--model',
        'process',
        '--processes',
        '2',
      ]);
      try {
        const [, port = '', first = '', second = ''] = await run.line(
          /at http:\/\/127\.0\.0\.1:(\d+)\/ \(static files only; 2 processes: (\d+), (\d+)\)/,
        );
        const res = await get(Number(port), '/tiny.txt');
        assert.equal(res.body.toString(), 'tiny\n');
        run.child.kill(signal);
        const done = await run.done;
        if (signal === 'SIGTERM') {
          assert.equal(done.code, 0, done.stderr);
          assert.match(done.stdout, /"GET \/tiny\.txt HTTP\/1\.1" 200 5\n/);
          assert.match(done.stdout, /Server stopped\.\n$/);
        } else {
          assert.equal(done.signal, 'SIGKILL');
        }
        for (const pid of [first, second].map(Number)) {
          assert.equal(await waitForPidGone(pid), true, `${signal}: process ${pid} is left`);
        }
      } finally {
        run.child.kill('SIGKILL');
      }
    }
  });
});

describe('startHttpServer({ gzip: true })', () => {
  it('negotiates gzip for text types; Vary; a tag of its own; never for ranges, HEAD bodies or binaries', async () => {
    const server = await startHttpServer({ root, port: 0, gzip: true });
    try {
      const plain = await get(server.port, '/text.txt');
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.headers['content-length'], String(text.length));
      assert.equal(plain.headers.vary, 'Accept-Encoding');
      assert.equal(plain.body.toString(), text);
      const identityTag = String(plain.headers.etag);

      const zipped = await get(server.port, '/text.txt', {
        headers: { 'Accept-Encoding': 'gzip, deflate' },
      });
      assert.equal(zipped.status, 200);
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.equal(zipped.headers.vary, 'Accept-Encoding');
      assert.equal(zipped.headers['content-length'], undefined);
      assert.ok(zipped.body.length < text.length / 10, String(zipped.body.length));
      assert.equal(gunzipSync(zipped.body).toString(), text);
      const gzipTag = String(zipped.headers.etag);
      assert.equal(gzipTag, `W/"${identityTag.replace(/^W\/"|"$/g, '')}-gz"`);

      // q-values: refused with q=0, accepted through `*`.
      for (const [accept, encoded] of [
        ['gzip;q=0', false],
        ['identity', false],
        ['*', true],
        ['br, GZIP;q=0.5', true],
        ['*, gzip;q=0', false],
      ] as const) {
        const res = await get(server.port, '/text.txt', { headers: { 'Accept-Encoding': accept } });
        assert.equal(res.headers['content-encoding'], encoded ? 'gzip' : undefined, accept);
      }

      // HEAD: the GET's headers (gzip, its tag), no body.
      const head = await get(server.port, '/text.txt', {
        method: 'HEAD',
        headers: { 'Accept-Encoding': 'gzip' },
      });
      assert.equal(head.headers['content-encoding'], 'gzip');
      assert.equal(head.headers.etag, gzipTag);
      assert.equal(head.body.length, 0);

      // A range is of the file's bytes: identity, even when gzip is accepted.
      const part = await get(server.port, '/text.txt', {
        headers: { 'Accept-Encoding': 'gzip', Range: 'bytes=4-7' },
      });
      assert.equal(part.status, 206);
      assert.equal(part.headers['content-encoding'], undefined);
      assert.equal(part.body.toString(), 'work');

      // 304 for the representation the client would get, with its tag and Vary.
      const fresh = await get(server.port, '/text.txt', {
        headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': gzipTag },
      });
      assert.equal(fresh.status, 304);
      assert.equal(fresh.headers.etag, gzipTag);
      assert.equal(fresh.headers.vary, 'Accept-Encoding');
      // The gzip tag does not validate the identity body.
      const other = await get(server.port, '/text.txt', { headers: { 'If-None-Match': gzipTag } });
      assert.equal(other.status, 200);
      assert.equal(other.body.toString(), text);

      // Binaries and tiny files are sent as they are, without Vary.
      for (const path of ['/big.bin', '/tiny.txt']) {
        const res = await get(server.port, path, { headers: { 'Accept-Encoding': 'gzip' } });
        assert.equal(res.headers['content-encoding'], undefined, path);
        assert.equal(res.headers.vary, undefined, path);
      }
      assert.equal(
        sha256(
          (await get(server.port, '/big.bin', { headers: { 'Accept-Encoding': 'gzip' } })).body,
        ),
        sha256(big),
      );
    } finally {
      await server.close();
    }
  });

  it('without gzip, text is sent as it is', async () => {
    const server = await startHttpServer({ root, port: 0 });
    try {
      const res = await get(server.port, '/text.txt', { headers: { 'Accept-Encoding': 'gzip' } });
      assert.equal(res.headers['content-encoding'], undefined);
      assert.equal(res.headers.vary, undefined);
      assert.equal(res.body.toString(), text);
    } finally {
      await server.close();
    }
  });
});

describe('If-Range (RFC 9110 §13.1.5)', () => {
  it('a weak tag never holds (whole file); the exact Last-Modified date does (206)', async () => {
    const server = await startHttpServer({ root, port: 0 });
    try {
      const first = await get(server.port, '/text.txt');
      const etag = String(first.headers.etag);
      assert.match(etag, /^W\//);
      const byTag = await get(server.port, '/text.txt', {
        headers: { Range: 'bytes=0-2', 'If-Range': etag },
      });
      assert.equal(byTag.status, 200);
      assert.equal(byTag.body.toString(), text);
      const byDate = await get(server.port, '/text.txt', {
        headers: { Range: 'bytes=0-2', 'If-Range': String(first.headers['last-modified']) },
      });
      assert.equal(byDate.status, 206);
      assert.equal(byDate.body.toString(), 'All');
      const stale = await get(server.port, '/text.txt', {
        headers: { Range: 'bytes=0-2', 'If-Range': 'Sun, 06 Nov 1994 08:49:37 GMT' },
      });
      assert.equal(stale.status, 200);
    } finally {
      await server.close();
    }
  });
});
