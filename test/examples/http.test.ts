/**
 * The course's HTTP server, end to end over real sockets on 127.0.0.1: statuses, headers,
 * keep-alive, confinement to the served directory, limits on slow and oversized clients and
 * a bounded concurrent load.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { get } from '../helpers/http-get.ts';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { httpCommand } from '../../src/examples/http/cli.ts';
import { CUT_STATUS, stallWatch } from '../../src/examples/http/watch.ts';
import { formatHttpDate, parseHttpDate } from '../../src/examples/http/response.ts';
import { startHttpServer, type HttpServer } from '../../src/examples/http/server.ts';

// The served tree, and a secret beside it that no request may reach.
const base = mkdtempSync(join(tmpdir(), 'multitask-http-'));
const root = join(base, 'www');
const secret = 'TOP SECRET, outside the root';
const big = randomBytes(3 * 1024 * 1024 + 17);
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function makeTree(): void {
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(root, 'list', 'inner'), { recursive: true });
  mkdirSync(join(root, 'example.com'));
  writeFileSync(join(base, 'secret.txt'), secret);
  writeFileSync(join(root, 'hello.txt'), 'Hello, world!\n');
  writeFileSync(join(root, 'page.html'), '<p>caf\u00e9</p>\n');
  writeFileSync(join(root, 'data.unknownext'), Buffer.from([0, 1, 2, 3]));
  writeFileSync(join(root, 'empty.css'), '');
  writeFileSync(join(root, 'big.bin'), big);
  // More than the kernel's socket buffers hold on loopback, for clients that stop reading.
  writeFileSync(join(root, 'huge.bin'), Buffer.alloc(48 * 1024 * 1024, 1));
  writeFileSync(join(root, 'a b.txt'), 'spaced\n');
  writeFileSync(join(root, 'sub', 'index.html'), '<h1>sub index</h1>\n');
  writeFileSync(join(root, 'list', '<b>&"q".txt'), 'escaped\n');
  writeFileSync(join(root, 'list', 'plain.json'), '{}\n');
  // Links: one out of the root (refused), one inside it (followed).
  symlinkSync(join(base, 'secret.txt'), join(root, 'escape.txt'));
  symlinkSync(base, join(root, 'escape-dir'));
  symlinkSync(join(root, 'hello.txt'), join(root, 'link-inside.txt'));
}

interface RawResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** Parses the complete responses at the start of `text` (bodies framed by Content-Length). */
function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return responses;
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers = new Map(
      lines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
      }),
    );
    const length = Number(headers.get('content-length') ?? 0);
    if (rest.length < end + 4 + length) return responses;
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]);
    responses.push({ status, headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}

/** A raw TCP client, for what fetch and node:http will not send. */
class RawClient {
  readonly socket: Socket;
  /** Everything received, as latin1. */
  received = '';
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>;
  #waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      for (const wake of this.#waiters.splice(0)) wake();
    });
    // Resets after a refusal are expected; 'close' follows.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        resolve();
      });
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Waits until `count` complete responses have arrived. */
  async responses(count: number): Promise<RawResponse[]> {
    for (;;) {
      const responses = parseResponses(this.received);
      if (responses.length >= count) return responses;
      if (this.socket.destroyed) throw new Error(`Closed after ${responses.length} responses`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        void this.closed.then(resolve);
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Sends `data` on a new connection and returns all the server sends until it closes. */
async function exchange(port: number, data: string | Buffer): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    client.socket.write(data);
    await client.closed;
    return client.received;
  } finally {
    client.destroy();
  }
}

before(makeTree);
after(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('startHttpServer() - static files', () => {
  let server: HttpServer;
  let port: number;
  const log: string[] = [];
  before(async () => {
    server = await startHttpServer({ root, port: 0, log: (line) => log.push(line) });
    port = server.port;
  });
  after(() => server.close());

  it('GET - 200 with the body, Content-Type, Content-Length, Last-Modified and Date', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/hello.txt`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'Hello, world!\n');
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('content-length'), '14');
    assert.equal(
      res.headers.get('last-modified'),
      formatHttpDate(statSync(join(root, 'hello.txt')).mtime),
    );
    assert.match(res.headers.get('date') ?? '', /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    assert.ok(log.some((line) => line.endsWith('"GET /hello.txt HTTP/1.1" 200 14')));
  });

  it('GET - content types from the extension; unknown is application/octet-stream', async () => {
    const cases: [string, string, number][] = [
      ['/page.html', 'text/html; charset=utf-8', Buffer.byteLength('<p>caf\u00e9</p>\n')],
      ['/data.unknownext', 'application/octet-stream', 4],
      ['/empty.css', 'text/css; charset=utf-8', 0],
      ['/list/plain.json', 'application/json', 3],
      ['/a%20b.txt', 'text/plain; charset=utf-8', 7],
      ['/link-inside.txt', 'text/plain; charset=utf-8', 14],
    ];
    for (const [path, type, length] of cases) {
      const res = await get(port, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], type, path);
      assert.equal(res.headers['content-length'], String(length), path);
      assert.equal(res.body.length, length, path);
    }
  });

  it('GET - a large file streams byte for byte', async () => {
    const res = await get(port, '/big.bin');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(big.length));
    assert.equal(sha256(res.body), sha256(big));
  });

  it('HEAD - the GET headers with Content-Length, and no body bytes at all', async () => {
    const received = await exchange(
      port,
      'HEAD /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const end = received.indexOf('\r\n\r\n');
    assert.ok(received.startsWith('HTTP/1.1 200 OK\r\n'), received);
    assert.match(received, new RegExp(`\r\nContent-Length: ${big.length}\r\n`));
    assert.match(received, /\r\nContent-Type: application\/octet-stream\r\n/);
    assert.equal(received.length, end + 4, 'nothing after the head');
  });

  it('GET - If-Modified-Since at or after the mtime gives 304 without a body', async () => {
    const lastModified = formatHttpDate(statSync(join(root, 'hello.txt')).mtime);
    const res = await get(port, '/hello.txt', { headers: { 'If-Modified-Since': lastModified } });
    assert.equal(res.status, 304);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers['last-modified'], lastModified);
    const older = formatHttpDate(statSync(join(root, 'hello.txt')).mtimeMs - 60_000);
    const changed = await get(port, '/hello.txt', { headers: { 'If-Modified-Since': older } });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.toString(), 'Hello, world!\n');
    // Not an HTTP-date: ignored, as RFC 9110 says.
    const bogus = await get(port, '/hello.txt', { headers: { 'If-Modified-Since': 'yesterday' } });
    assert.equal(bogus.status, 200);
  });

  it('GET - 404 for a missing file, and the connection stays usable', async () => {
    const client = await RawClient.connect(port);
    try {
      client.socket.write(
        'GET /nope.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n',
      );
      const [missing, found] = await client.responses(2);
      assert.equal(missing?.status, 404);
      assert.equal(found?.status, 200);
      assert.equal(found.body, 'Hello, world!\n');
    } finally {
      client.destroy();
    }
  });

  it('POST, PUT, DELETE - 405 with Allow: GET, HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await get(port, '/hello.txt', { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, 'GET, HEAD', method);
    }
    // A body this server does not read: answered, then the connection closes.
    const received = await exchange(
      port,
      'POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
    );
    assert.equal(parseResponses(received)[0]?.status, 405);
    assert.equal(parseResponses(received)[0]?.headers.get('connection'), 'close');
  });

  it('malformed requests - 400, then the connection closes', async () => {
    const requests = [
      'GARBAGE\r\n\r\n',
      'GET /hello.txt\r\nHost: x\r\n\r\n',
      'GET /hello.txt HTTP/one\r\nHost: x\r\n\r\n',
      'GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /hello.txt HTTP/1.1\r\n\r\n',
      'GET /hello.txt HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n',
      'GET /hello.txt HTTP/1.1\r\nHost : x\r\n\r\n',
      'GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n',
      'GET /hello.txt HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n',
      'GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n',
    ];
    for (const request of requests) {
      const received = await exchange(port, request);
      assert.ok(received.startsWith('HTTP/1.1 400 Bad Request\r\n'), JSON.stringify(request));
      assert.match(received, /\r\nConnection: close\r\n/);
    }
    const future = await exchange(port, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n');
    assert.ok(future.startsWith('HTTP/1.1 505 '), future);
  });

  it('path traversal - `..`, %2e%2e, encoded slashes, NUL and links out are refused', async () => {
    const paths = [
      '/../secret.txt',
      '/sub/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/sub/..%2f..%2fsecret.txt',
      '/..%5c..%5csecret.txt',
      '/hello.txt%00.html',
      '/escape.txt',
      '/escape-dir/secret.txt',
      '/escape-dir/',
      '//etc/passwd',
      'http://x/../secret.txt',
    ];
    for (const path of paths) {
      const received = await exchange(
        port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      const [res] = parseResponses(received);
      assert.ok(res?.status === 403 || res?.status === 404, `${path}: ${received}`);
      assert.doesNotMatch(received, /TOP SECRET|root:/, path);
    }
  });

  it('directories - / lists with escaped names, /sub redirects, /sub/ serves index.html', async () => {
    const listing = await get(port, '/list/');
    assert.equal(listing.status, 200);
    assert.equal(listing.headers['content-type'], 'text/html; charset=utf-8');
    const html = listing.body.toString();
    assert.match(html, /<a href="\.\.\/">\.\.\/<\/a>/);
    assert.match(html, /<a href="inner\/">inner\/<\/a>/);
    assert.match(html, /<a href="%3Cb%3E%26%22q%22\.txt">&lt;b&gt;&amp;&quot;q&quot;\.txt<\/a>/);
    assert.doesNotMatch(html, /<b>/);
    const top = (await get(port, '/')).body.toString();
    assert.match(top, /<a href="hello\.txt">hello\.txt<\/a>/);
    assert.match(top, /<a href="a%20b\.txt">a b\.txt<\/a>/);
    const moved = await get(port, '/sub?x=1');
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, '/sub/?x=1');
    const index = await get(port, '/sub/');
    assert.equal(index.status, 200);
    assert.equal(index.body.toString(), '<h1>sub index</h1>\n');
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  });

  it('keep-alive - two requests on one socket, one after the other, then pipelined', async () => {
    const client = await RawClient.connect(port);
    try {
      client.socket.write('GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n');
      const [first] = await client.responses(1);
      assert.equal(first?.status, 200);
      assert.equal(first.body, 'Hello, world!\n');
      assert.equal(first.headers.get('connection'), 'keep-alive');
      client.socket.write('GET /list/plain.json HTTP/1.1\r\nHost: x\r\n\r\n');
      const [, second] = await client.responses(2);
      assert.equal(second?.status, 200);
      assert.equal(second.body, '{}\n');
      // Pipelined: answered in order; the last one asks to close.
      const offset = client.received.length;
      client.socket.write(
        'HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n' +
          'GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      await client.closed;
      // The HEAD response announces 14 bytes but sends none: split it off by hand.
      const pipelined = client.received.slice(offset);
      const headEnd = pipelined.indexOf('\r\n\r\n') + 4;
      assert.match(pipelined.slice(0, headEnd), /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 14\r\n/);
      const [missing, index] = parseResponses(pipelined.slice(headEnd));
      assert.equal(missing?.status, 404);
      assert.equal(index?.status, 200);
      assert.equal(index.body, '<h1>sub index</h1>\n');
      assert.equal(index.headers.get('connection'), 'close');
    } finally {
      client.destroy();
    }
  });

  it('keep-alive - HTTP/1.0 closes unless it asks for keep-alive', async () => {
    const closing = await exchange(port, 'GET /hello.txt HTTP/1.0\r\n\r\n');
    assert.equal(parseResponses(closing)[0]?.body, 'Hello, world!\n');
    assert.equal(parseResponses(closing)[0]?.headers.get('connection'), 'close');
    const client = await RawClient.connect(port);
    try {
      client.socket.write('GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const [first] = await client.responses(1);
      assert.equal(first?.headers.get('connection'), 'keep-alive');
      client.socket.write('GET /hello.txt HTTP/1.0\r\n\r\n');
      await client.closed;
      assert.equal(parseResponses(client.received).length, 2);
    } finally {
      client.destroy();
    }
  });

  it('limits - a head over 8 KiB gives 431, a request line over it 414, then close', async () => {
    const headers = await exchange(
      port,
      `GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`,
    );
    assert.ok(headers.startsWith('HTTP/1.1 431 Request Header Fields Too Large\r\n'), headers);
    const line = await exchange(port, `GET /${'a'.repeat(10_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.ok(line.startsWith('HTTP/1.1 414 URI Too Long\r\n'), line);
    // Just under the limit is fine.
    const fits = await get(port, '/hello.txt', { headers: { 'X-Big': 'a'.repeat(7000) } });
    assert.equal(fits.status, 200);
  });

  it('load - 200 requests, 20 at a time on keep-alive connections, all answered correctly', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const expected: [string, string][] = [
      ['/hello.txt', sha256(Buffer.from('Hello, world!\n'))],
      ['/sub/', sha256(Buffer.from('<h1>sub index</h1>\n'))],
      ['/list/plain.json', sha256(Buffer.from('{}\n'))],
      ['/a%20b.txt', sha256(Buffer.from('spaced\n'))],
    ];
    try {
      let next = 0;
      const results: boolean[] = [];
      const worker = async (): Promise<void> => {
        while (next < 200) {
          const i = next++;
          const [path, digest] = expected[i % expected.length] ?? ['', ''];
          const res = await get(port, path, { agent });
          results[i] = res.status === 200 && sha256(res.body) === digest;
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      assert.equal(results.length, 200);
      assert.deepEqual(
        results.map((ok, i) => (ok ? -1 : i)).filter((i) => i !== -1),
        [],
        'requests answered wrongly',
      );
    } finally {
      agent.destroy();
    }
  });
});

describe('startHttpServer() - slow clients', () => {
  let server: HttpServer;
  before(async () => {
    server = await startHttpServer({ root, port: 0, idleTimeoutMs: 300, maxHeaderBytes: 1024 });
  });
  after(() => server.close());

  it('idleTimeoutMs - a client that sends nothing is disconnected', async () => {
    const client = await RawClient.connect(server.port);
    try {
      await client.closed;
      assert.equal(client.received, '');
    } finally {
      client.destroy();
    }
  });

  it('idleTimeoutMs - an idle keep-alive connection is closed after its last response', async () => {
    const client = await RawClient.connect(server.port);
    try {
      client.socket.write('GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n');
      await client.closed;
      assert.equal(parseResponses(client.received).length, 1);
    } finally {
      client.destroy();
    }
  });

  it('idleTimeoutMs - a head that trickles in byte by byte is cut off with 408', async () => {
    const client = await RawClient.connect(server.port);
    // Slowloris: one byte every 20 ms keeps the socket active; the deadline still ends it.
    const request = `GET /hello.txt HTTP/1.1\r\nHost: x\r\n${'X-Slow: 1\r\n'.repeat(50)}\r\n`;
    let sent = 0;
    const trickle = setInterval(() => {
      if (!client.socket.destroyed && sent < request.length)
        client.socket.write(request.charAt(sent++));
    }, 20);
    try {
      await client.closed;
      assert.ok(sent < request.length, 'closed before the head was complete');
      assert.ok(client.received.startsWith('HTTP/1.1 408 Request Timeout\r\n'), client.received);
    } finally {
      clearInterval(trickle);
      client.destroy();
    }
  });

  it('maxHeaderBytes - the configured limit gives 431 and closes', async () => {
    const received = await exchange(
      server.port,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(1100)}\r\n\r\n`,
    );
    assert.ok(received.startsWith('HTTP/1.1 431 '), received);
  });
});

describe('startHttpServer() - dynamic pages on a ThreadPool', () => {
  let server: HttpServer;
  let port: number;
  before(async () => {
    server = await startHttpServer({ root, port: 0, workers: 2 });
    port = server.port;
  });
  after(() => server.close());

  it('/dyn/primes - the sum of the primes below n, rendered by a pool thread', async () => {
    for (const [n, sum] of [
      [10, 17],
      [100_000, 454_396_537],
    ] as const) {
      const res = await get(port, `/dyn/primes?n=${n}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-store');
      const thread = res.headers['x-rendered-by'];
      assert.equal(typeof thread, 'string');
      assert.notEqual(thread, 'MainThread');
      const html = res.body.toString();
      assert.match(html, new RegExp(`The sum of the primes below ${n} is <output>${sum}</output>`));
      assert.ok(html.includes(`Rendered by thread <code>${String(thread)}</code>`), html);
    }
  });

  it('/dyn/info - names the worker thread that rendered it', async () => {
    const res = await get(port, '/dyn/info');
    assert.equal(res.status, 200);
    const thread = String(res.headers['x-rendered-by']);
    assert.notEqual(thread, 'MainThread');
    assert.match(res.body.toString(), /<dd>(.+) \(threadId [1-9]\d*\)<\/dd>/);
    assert.ok(res.body.toString().includes(`<dd>${thread} (threadId `), thread);
    const head = await get(port, '/dyn/info', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(Number(head.headers['content-length']) > 0, true);
  });

  it('/dyn/ - a bad n is 400, an unknown page 404, a POST 405', async () => {
    for (const query of ['', '?n=abc', '?n=1', '?n=1e5', '?n=100000001', '?n=-5']) {
      assert.equal((await get(port, `/dyn/primes${query}`)).status, 400, query);
    }
    assert.equal((await get(port, '/dyn/nope')).status, 404);
    assert.equal((await get(port, '/dyn/info', { method: 'POST' })).status, 405);
  });

  it('static files are served while a long page renders on a thread', async () => {
    let rendered = false;
    const slow = get(port, '/dyn/primes?n=6000000').then((res) => {
      rendered = true;
      return res;
    });
    // The event loop is free: this file arrives while the primes are still being summed.
    const file = await get(port, '/hello.txt');
    assert.equal(file.body.toString(), 'Hello, world!\n');
    assert.equal(rendered, false);
    const page = await slow;
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /<output>1192390967254<\/output>/);
  });
});

describe('startHttpServer() - options', () => {
  it('refuses a missing root and out-of-range numbers', async () => {
    await assert.rejects(startHttpServer({ root: join(base, 'missing'), port: 0 }), {
      code: 'ENOENT',
    });
    await assert.rejects(
      startHttpServer({ root: join(root, 'hello.txt'), port: 0 }),
      /not a directory/,
    );
    await assert.rejects(startHttpServer({ root, port: 70_000 }), {
      name: 'RangeError',
      message: 'Expected `port` to be an integer from 0 to 65535, got `70000`',
    });
    await assert.rejects(startHttpServer({ root, port: 0, idleTimeoutMs: 0 }), RangeError);
  });
});

describe('httpCommand()', () => {
  it('bad arguments - exit code 2 with the reason and the usage', async () => {
    for (const [argv, reason] of [
      [[], /^error: missing required argument 'DIR'$/],
      [
        [root, '--port', 'x'],
        /^error: option '--port <P>' argument 'x' is invalid\. Expected an integer from 0 to 65535\.$/,
      ],
      [
        [root, '--workers=-1'],
        /^error: option '--workers <N>' argument '-1' is invalid\. Expected an integer from 0 to 1024\.$/,
      ],
      [[root, '--bogus'], /^error: unknown option '--bogus'$/],
    ] as const) {
      const err: string[] = [];
      assert.equal(
        await httpCommand(
          argv,
          () => undefined,
          (line) => err.push(line),
        ),
        2,
      );
      assert.equal(err.length, 2);
      assert.match(err[0] ?? '', reason);
      assert.equal(
        err[1],
        'usage: multitask http [options] <DIR>  (`multitask http --help` explains)',
      );
    }
  });

  it('a missing directory - exit code 1', async () => {
    const err: string[] = [];
    const code = await httpCommand(
      [join(base, 'missing'), '--port', '0'],
      () => undefined,
      (line) => err.push(line),
    );
    assert.equal(code, 1);
    assert.match(err[0] ?? '', /^Cannot serve `.*missing`/);
  });

  it('serves until stopped, logging each request', async () => {
    const out: string[] = [];
    const stop = new AbortController();
    let announced: (line: string) => void = () => undefined;
    const started = new Promise<string>((resolve) => (announced = resolve));
    const running = httpCommand(
      [root, '--port', '0', '--host', '127.0.0.1'],
      (line) => {
        out.push(line);
        if (line.startsWith('Serving')) announced(line);
      },
      () => undefined,
      stop.signal,
    );
    try {
      const line = await started;
      const port = Number(
        /^Serving .* at http:\/\/127\.0\.0\.1:(\d+)\/ \(static files only\); Ctrl-C stops\.$/.exec(
          line,
        )?.[1],
      );
      const res = await get(port, '/hello.txt');
      assert.equal(res.body.toString(), 'Hello, world!\n');
    } finally {
      stop.abort();
    }
    assert.equal(await running, 0);
    assert.match(
      out[1] ?? '',
      /^127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/hello\.txt HTTP\/1\.1" 200 14$/,
    );
    assert.equal(out.at(-1), 'Server stopped.');
  });
});

describe('parseHttpDate()', () => {
  it('reads the three HTTP-date forms and refuses anything else', () => {
    const time = Date.UTC(1994, 10, 6, 8, 49, 37);
    assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), time);
    assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), time);
    assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), time);
    assert.equal(formatHttpDate(time), 'Sun, 06 Nov 1994 08:49:37 GMT');
    for (const bad of [
      '',
      'yesterday',
      'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 24:49:37 GMT',
      '1994-11-06T08:49:37Z',
    ]) {
      assert.equal(parseHttpDate(bad), undefined, bad);
    }
  });
});

describe('startHttpServer() - hostile clients and shutdown (issue 20)', () => {
  let server: HttpServer;
  let port: number;
  const log: string[] = [];
  before(async () => {
    server = await startHttpServer({
      root,
      port: 0,
      idleTimeoutMs: 3000,
      log: (line) => log.push(line),
    });
    port = server.port;
  });
  after(() => server.close());

  it('empty lines before a request are skipped; a flood of them ends at the head deadline (408) and never stalls other clients', async () => {
    const fine = await exchange(
      port,
      `${'\r\n'.repeat(100)}GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(parseResponses(fine)[0]?.body, 'Hello, world!\n');
    // Three clients sending 64 KiB of empty lines per write (issue 20, defect 2).
    const floods = await Promise.all([1, 2, 3].map(() => RawClient.connect(port)));
    const chunk = '\r\n'.repeat(32_768);
    const pump = (client: RawClient): void => {
      if (!client.socket.destroyed) client.socket.write(chunk, () => setImmediate(pump, client));
    };
    try {
      for (const client of floods) pump(client);
      // Meanwhile another client is served.
      const res = await get(port, '/hello.txt');
      assert.equal(res.body.toString(), 'Hello, world!\n');
      for (const client of floods) {
        await client.closed;
        assert.ok(
          client.received.startsWith('HTTP/1.1 408 Request Timeout\r\n'),
          client.received.slice(0, 80),
        );
      }
    } finally {
      for (const client of floods) client.destroy();
    }
  });

  it('a directory redirect never points at another host: //example.com goes to /example.com/', async () => {
    for (const target of ['//example.com', '///example.com']) {
      const [res] = parseResponses(
        await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      assert.equal(res?.status, 301, target);
      assert.equal(res.headers.get('location'), '/example.com/', target);
    }
  });

  it('a file named with a trailing slash is 404, as in Python and Apache', async () => {
    assert.equal((await get(port, '/hello.txt/')).status, 404);
    assert.equal((await get(port, '/hello.txt')).status, 200);
  });

  it('the access log is Common Log Format with the time and the bytes sent', async () => {
    const before = log.length;
    await get(port, '/hello.txt');
    await get(port, '/missing');
    await get(port, '/hello.txt', { method: 'HEAD' });
    const time = String.raw`\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\]`;
    const lines = log.slice(before);
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(
      lines[0] ?? '',
      new RegExp(`^127\\.0\\.0\\.1 - - ${time} "GET /hello\\.txt HTTP/1\\.1" 200 14$`),
    );
    assert.match(
      lines[1] ?? '',
      new RegExp(`^127\\.0\\.0\\.1 - - ${time} "GET /missing HTTP/1\\.1" 404 \\d+$`),
    );
    assert.match(lines[2] ?? '', new RegExp(`"HEAD /hello\\.txt HTTP/1\\.1" 200 -$`));
  });

  it('a client that stops reading is dropped, and its cut download is logged as 499', async () => {
    const client = await RawClient.connect(port);
    try {
      // 48 MB that it never reads: more than the kernel's buffers hold.
      client.socket.pause();
      client.socket.write('GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      // The paused client would not see the close: the server's log line is the signal.
      while (!log.some((line) => line.includes('"GET /huge.bin HTTP/1.1"'))) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const line = log.find((entry) => entry.includes('"GET /huge.bin HTTP/1.1"')) ?? '';
      const [, status, bytes] = / (\d{3}) (\d+|-)$/.exec(line) ?? [];
      assert.equal(Number(status), CUT_STATUS, line);
      assert.ok(bytes === '-' || Number(bytes) < 48 * 1024 * 1024, line);
    } finally {
      client.destroy();
    }
  });

  it('stallWatch() - fires exactly once, after the time without progress, not twice that', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const stalls: number[] = [];
      let now = 0;
      const watch = stallWatch(1000, () => stalls.push(now));
      now = 900;
      mock.timers.tick(900);
      watch.progress();
      now = 1800;
      mock.timers.tick(900);
      assert.equal(stalls.length, 0);
      now = 1900;
      mock.timers.tick(100);
      assert.deepEqual(stalls, [1900]);
      mock.timers.tick(5000);
      assert.deepEqual(stalls, [1900]);
      const stopped = stallWatch(1000, () => stalls.push(-1));
      stopped.stop();
      mock.timers.tick(5000);
      assert.deepEqual(stalls, [1900]);
    } finally {
      mock.timers.reset();
    }
  });
});

describe('startHttpServer() - caching validators', () => {
  it('ETag with If-None-Match gives 304; Cache-Control asks caches to revalidate', async () => {
    const server = await startHttpServer({ root, port: 0 });
    try {
      const first = await get(server.port, '/hello.txt');
      const etag = String(first.headers.etag);
      assert.match(etag, /^W\/"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
      assert.equal(first.headers['cache-control'], 'no-cache');
      for (const match of [etag, `"x", ${etag}`, etag.slice(2), '*']) {
        const again = await get(server.port, '/hello.txt', { headers: { 'If-None-Match': match } });
        assert.equal(again.status, 304, match);
        assert.equal(again.body.length, 0);
        assert.equal(again.headers.etag, etag);
      }
      // If-None-Match wins over If-Modified-Since: a stale tag gets the file.
      const stale = await get(server.port, '/hello.txt', {
        headers: { 'If-None-Match': '"stale"', 'If-Modified-Since': formatHttpDate(Date.now()) },
      });
      assert.equal(stale.status, 200);
      assert.equal(stale.body.toString(), 'Hello, world!\n');
      const other = await get(server.port, '/page.html');
      assert.notEqual(other.headers.etag, etag);
    } finally {
      await server.close();
    }
  });
});

describe('startHttpServer() - Range requests', () => {
  it('one range gives 206 with Content-Range; past the end 416; others the whole file', async () => {
    const server = await startHttpServer({ root, port: 0 });
    try {
      const cases: [string, number, string | undefined, Buffer][] = [
        ['bytes=0-4', 206, 'bytes 0-4/14', Buffer.from('Hello')],
        ['bytes=7-', 206, 'bytes 7-13/14', Buffer.from('world!\n')],
        ['bytes=-2', 206, 'bytes 12-13/14', Buffer.from('!\n')],
        ['bytes=10-99', 206, 'bytes 10-13/14', Buffer.from('ld!\n')],
        ['bytes=14-', 416, 'bytes */14', Buffer.alloc(0)],
        ['bytes=0-1,3-4', 200, undefined, Buffer.from('Hello, world!\n')],
        ['lines=1-2', 200, undefined, Buffer.from('Hello, world!\n')],
      ];
      for (const [range, status, contentRange, body] of cases) {
        const res = await get(server.port, '/hello.txt', { headers: { Range: range } });
        assert.equal(res.status, status, range);
        assert.equal(res.headers['content-range'], contentRange, range);
        if (status !== 416) assert.deepEqual(res.body, body, range);
        assert.equal(res.headers['accept-ranges'], status === 416 ? undefined : 'bytes');
      }
      // The middle of a large file, byte for byte.
      const part = await get(server.port, '/big.bin', {
        headers: { Range: 'bytes=1000000-2000000' },
      });
      assert.equal(part.status, 206);
      assert.deepEqual(part.body, big.subarray(1_000_000, 2_000_001));
      // If-Range with another tag: the whole file.
      const changed = await get(server.port, '/hello.txt', {
        headers: { Range: 'bytes=0-4', 'If-Range': 'W/"old"' },
      });
      assert.equal(changed.status, 200);
      assert.equal(changed.body.toString(), 'Hello, world!\n');
    } finally {
      await server.close();
    }
  });
});

describe('startHttpServer() - graceful close and the connection cap', () => {
  it('close() stops accepting and lets a download in progress finish', async () => {
    const server = await startHttpServer({ root, port: 0 });
    const client = await RawClient.connect(server.port);
    const idle = await RawClient.connect(server.port);
    try {
      client.socket.pause();
      client.socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      // The response has started: its head is on the way.
      await new Promise<void>((resolve) => {
        client.socket.once('readable', () => {
          resolve();
        });
      });
      const closing = server.close();
      // A connection between requests is closed at once; new ones are refused.
      await idle.closed;
      await assert.rejects(RawClient.connect(server.port), { code: 'ECONNREFUSED' });
      client.socket.resume();
      await client.closed;
      await closing;
      const [res] = parseResponses(client.received);
      assert.equal(res?.status, 200);
      assert.equal(sha256(Buffer.from(res.body, 'latin1')), sha256(big));
    } finally {
      client.destroy();
      idle.destroy();
      await server.close();
    }
  });

  it('maxConnections - a connection beyond the cap is closed unanswered', async () => {
    const server = await startHttpServer({ root, port: 0, maxConnections: 2 });
    const held: RawClient[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const client = await RawClient.connect(server.port);
        held.push(client);
        client.socket.write('GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n');
        assert.equal((await client.responses(1))[0]?.status, 200);
      }
      const extra = await RawClient.connect(server.port);
      held.push(extra);
      extra.socket.write('GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n');
      await extra.closed;
      assert.equal(extra.received, '');
    } finally {
      for (const client of held) client.destroy();
      await server.close();
    }
  });
});

describe('startHttpServer() - /dyn/ under load (issue 20)', () => {
  it(
    'a full queue answers 503; a page whose client left is cancelled',
    { timeout: 120_000 },
    async () => {
      const server = await startHttpServer({ root, port: 0, workers: 1, maxQueued: 0 });
      const clients: RawClient[] = [];
      try {
        // Summing the primes below 10^8 takes minutes: only cancelling it frees the thread.
        const slow = await RawClient.connect(server.port);
        clients.push(slow);
        slow.socket.write('GET /dyn/primes?n=100000000 HTTP/1.1\r\nHost: x\r\n\r\n');
        const ask = async (): Promise<RawResponse | undefined> => {
          const client = await RawClient.connect(server.port);
          clients.push(client);
          client.socket.write('GET /dyn/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
          await client.closed;
          return parseResponses(client.received)[0];
        };
        // Until the slow page holds the only thread, /dyn/info may still get it.
        let busy = await ask();
        while (busy?.status === 200) busy = await ask();
        assert.equal(busy?.status, 503);
        assert.equal(busy.headers.get('retry-after'), '1');
        slow.destroy();
        // Cancelled: the thread is free again (a running page would hold it for minutes).
        let freed = await ask();
        while (freed?.status === 503) freed = await ask();
        assert.equal(freed?.status, 200);
        assert.match(freed.body, /Worker info/);
      } finally {
        for (const client of clients) client.destroy();
        await server.close();
      }
    },
  );
});
