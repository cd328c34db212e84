/**
 * The file server against clients that do not play along, with each concurrency model:
 * sessions that end with unread bytes, FIFOs in the served directory, idle and stalled
 * clients, too many clients, a bounded pool of processes, uploads left by a killed server,
 * and names that are not valid UTF-8 or hide bidi controls. Each was a defect (issue 20).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { FileClient } from '../../src/examples/files/client.ts';
import { ByteReader, nameProblem } from '../../src/examples/files/protocol.ts';
import {
  MODELS,
  startFileServer,
  type FileServer,
  type FileServerOptions,
} from '../../src/examples/files/server.ts';

/** Fails a test that hangs (the defects below hung for ever) instead of waiting for ever. */
const HANG = { timeout: 30_000 };

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'multitask-files-hostile-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A raw connection with a line reader, closed by the test's cleanup. */
interface Raw {
  readonly socket: Socket;
  readonly reader: ByteReader;
  readonly closed: Promise<void>;
}

for (const model of MODELS) {
  describe(`--model ${model}`, () => {
    let dir: string;
    const servers: FileServer[] = [];
    const sockets: Socket[] = [];

    before(async () => {
      dir = join(base, model);
      await mkdir(dir);
      await writeFile(join(dir, 'big.bin'), randomBytes(8 * 1024 * 1024));
    });
    afterEach(async () => {
      for (const socket of sockets.splice(0)) socket.destroy();
      for (const server of servers.splice(0)) await server.close();
    });

    async function start(options: Partial<FileServerOptions> = {}): Promise<FileServer> {
      const server = await startFileServer({ dir, model, port: 0, ...options });
      servers.push(server);
      return server;
    }

    async function raw(server: FileServer): Promise<Raw> {
      const socket = createConnection({ host: '127.0.0.1', port: server.port });
      sockets.push(socket);
      socket.on('error', () => undefined);
      const closed = new Promise<void>((resolve) =>
        socket.once('close', () => {
          resolve();
        }),
      );
      await once(socket, 'connect');
      return { socket, reader: new ByteReader(socket), closed };
    }

    it(
      'a session that ends with 100 KB unread (QUIT, a line too long) finishes',
      HANG,
      async () => {
        const server = await start();
        const quit = await raw(server);
        quit.socket.write(Buffer.concat([Buffer.from('QUIT\n'), Buffer.alloc(100_000, 'y')]));
        assert.equal(await quit.reader.readLine(), 'BYE');
        quit.socket.destroy();
        const long = await raw(server);
        long.socket.write(Buffer.alloc(100_000, 'y'));
        assert.equal(await long.reader.readLine(), 'ERR a line may be at most 4096 bytes long');
        long.socket.destroy();
        // Both sessions end: before the fix they waited for ever on the unread bytes.
        await server.idle();
        assert.equal(server.active, 0);
      },
    );

    it('GET of a FIFO is refused without blocking; other clients are served', HANG, async () => {
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      try {
        const server = await start();
        // More than libuv's four pool threads: a blocking open() would take them all.
        const replies = await Promise.all(
          Array.from({ length: 6 }, async () => {
            const client = await raw(server);
            client.socket.write('GET pipe\nQUIT\n');
            return [await client.reader.readLine(), await client.reader.readLine()];
          }),
        );
        assert.deepEqual(replies, Array(6).fill(['ERR `pipe` is not a regular file', 'BYE']));
        const client = await FileClient.connect({ host: '127.0.0.1', port: server.port });
        try {
          assert.deepEqual(await client.list(), [{ name: 'big.bin', size: 8 * 1024 * 1024 }]);
          await client.quit();
        } finally {
          client.close();
        }
      } finally {
        await rm(fifo, { force: true });
      }
    });

    it(
      'idleTimeoutMs - silent clients, stalled uploads and clients that never read are dropped',
      HANG,
      async () => {
        const server = await start({ idleTimeoutMs: 1500, maxProcesses: 3 });
        // One round trip each first: the idle time is the client's, not a thread's start-up.
        // Each client acts as soon as its own round trip is done, so a slow start of another
        // (a loaded machine) cannot leave it idle past the timeout before it has acted.
        const started = async (): Promise<Raw> => {
          const client = await raw(server);
          client.socket.write('LIST\n');
          assert.match((await client.reader.readLine()) ?? '', /^OK /);
          await client.reader.readLine();
          return client;
        };
        const [silent, upload] = await Promise.all([
          started(),
          started().then(async (client) => {
            client.socket.write('PUT 1000000 stalled.bin\n');
            assert.equal(await client.reader.readLine(), 'READY');
            client.socket.write(randomBytes(10_000));
            return client;
          }),
          started().then((client) => {
            // 8 MB that it never reads: more than the kernel's buffers hold.
            client.socket.pause();
            client.socket.write('GET big.bin\n');
            return client;
          }),
        ]);
        await silent.closed;
        await upload.closed;
        await server.idle();
        assert.equal(server.active, 0);
        const names = await readdir(dir);
        assert.equal(names.includes('stalled.bin'), false);
        assert.deepEqual(
          names.filter((name) => name.startsWith('.upload-')),
          [],
        );
      },
    );

    it('maxClients - one client too many is told so and disconnected', HANG, async () => {
      const log: string[] = [];
      const server = await start({ maxClients: 2, log: (line) => log.push(line) });
      const first = await raw(server);
      const second = await raw(server);
      first.socket.write('LIST\n');
      second.socket.write('LIST\n');
      assert.equal(await first.reader.readLine(), 'OK 1');
      assert.equal(await second.reader.readLine(), 'OK 1');
      const third = await raw(server);
      assert.equal(
        await third.reader.readLine(),
        'ERR the server is busy (2 clients); try again later',
      );
      assert.equal(await third.reader.readLine(), null);
      await third.closed;
      assert.equal(server.active, 2);
      assert.equal(log.filter((line) => line.endsWith('refused: 2 clients already')).length, 1);
    });
  });
}

describe('--model process - a bounded pool of processes', () => {
  it('maxProcesses - a client beyond it waits for a process, then is served', HANG, async () => {
    const dir = join(base, 'bounded');
    await mkdir(dir);
    const log: string[] = [];
    const server = await startFileServer({
      dir,
      model: 'process',
      port: 0,
      maxProcesses: 1,
      log: (line) => log.push(line),
    });
    const sockets: Socket[] = [];
    try {
      const connect = async (): Promise<ByteReader & { socket: Socket }> => {
        const socket = createConnection({ host: '127.0.0.1', port: server.port });
        sockets.push(socket);
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        return Object.assign(new ByteReader(socket), { socket });
      };
      const first = await connect();
      first.socket.write('LIST\n');
      assert.equal(await first.readLine(), 'OK 0');
      const second = await connect();
      second.socket.write('LIST\n');
      const events: string[] = [];
      const answered = second.readLine().then((line) => {
        events.push(`second: ${line}`);
      });
      // Waiting is logged when the connection arrives, with no process started for it.
      while (!log.some((line) => / waits for a process \(1 running\)$/.test(line))) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      first.socket.write('LIST\n');
      events.push(`first: ${await first.readLine()}`);
      first.socket.write('QUIT\n');
      events.push(`first: ${await first.readLine()}`);
      await answered;
      assert.deepEqual(events, ['first: OK 0', 'first: BYE', 'second: OK 0']);
      second.socket.write('QUIT\n');
      assert.equal(await second.readLine(), 'BYE');
    } finally {
      for (const socket of sockets) socket.destroy();
      await server.close();
    }
  });
});

describe('startFileServer() - leftovers and names', () => {
  it('removes the temporary uploads a killed server left behind, and nothing else', async () => {
    const dir = join(base, 'leftovers');
    await mkdir(dir);
    await writeFile(join(dir, '.upload-0123456789abcdef'), 'half an upload');
    await writeFile(join(dir, 'kept.txt'), 'kept');
    const log: string[] = [];
    const server = await startFileServer({ dir, model: 'event', log: (line) => log.push(line) });
    try {
      assert.deepEqual(await readdir(dir), ['kept.txt']);
      assert.deepEqual(log, ['Removed 1 unfinished upload(s) left by a previous run']);
    } finally {
      await server.close();
    }
  });

  it('names must be valid UTF-8 without control or bidi characters; LIST hides the others', async () => {
    const dir = join(base, 'names');
    await mkdir(dir);
    await writeFile(join(dir, 'plain.txt'), 'plain');
    await writeFile(join(dir, 'a\u202etxt.exe'), 'disguised');
    await writeFile(Buffer.from(join(dir, 'latin-\xe9.txt'), 'latin1'), 'not UTF-8');
    const server = await startFileServer({ dir, model: 'event' });
    const socket = createConnection({ host: '127.0.0.1', port: server.port });
    try {
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      const reader = new ByteReader(socket);
      socket.write(
        Buffer.concat([Buffer.from('GET latin-'), Buffer.from([0xe9]), Buffer.from('.txt\n')]),
      );
      assert.equal(await reader.readLine(), 'ERR a line must be valid UTF-8');
      socket.write('GET a\u202etxt.exe\n');
      assert.equal(
        await reader.readLine(),
        'ERR a file name may not contain bidirectional formatting characters',
      );
      socket.write('PUT 1 b\u2066ob.txt\n');
      assert.match((await reader.readLine()) ?? '', /^ERR .*bidirectional/);
      socket.write('PUT 1 c\u0085.txt\n');
      assert.equal(await reader.readLine(), 'ERR a file name may not contain control characters');
      socket.write('LIST\n');
      assert.equal(await reader.readLine(), 'OK 1');
      assert.equal(await reader.readLine(), '5 plain.txt');
      socket.write('QUIT\n');
      assert.equal(await reader.readLine(), 'BYE');
    } finally {
      socket.destroy();
      await server.close();
    }
    assert.equal(nameProblem('caf\u00e9 \u65e5\u672c.txt'), null);
  });
});
