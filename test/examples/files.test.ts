/**
 * The course's file server, end to end over TCP on 127.0.0.1, with each concurrency model
 * (one event loop, a thread per client, a process per client): ten clients at once upload
 * and download 5 MB files intact; names that would leave the served directory are refused;
 * an upload cut off mid-way leaves nothing behind; the listing shows what was uploaded.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { filesCommand, interact } from '../../src/examples/files/cli.ts';
import { FileClient } from '../../src/examples/files/client.ts';
import { ByteReader, FileServerError } from '../../src/examples/files/protocol.ts';
import { MODELS, startFileServer, type FileServer } from '../../src/examples/files/server.ts';

const CLIENTS = 10;
const FILE_BYTES = 5 * 1024 * 1024;

let base: string;
/** The file every server offers as `library.bin`, and its checksum. */
let libraryFile: string;
let libraryHash: string;
/** The files the clients upload, one each, and their checksums. */
const uploads: { path: string; hash: string }[] = [];
/** A file outside every served directory, which symlinks point to. */
let secretFile: string;

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function randomFile(path: string): Promise<string> {
  const data = randomBytes(FILE_BYTES);
  await writeFile(path, data);
  return createHash('sha256').update(data).digest('hex');
}

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'multitask-files-'));
  await mkdir(join(base, 'sources'));
  libraryFile = join(base, 'sources', 'library.bin');
  libraryHash = await randomFile(libraryFile);
  for (let i = 0; i < CLIENTS; i++) {
    const path = join(base, 'sources', `upload-${i}.bin`);
    uploads.push({ path, hash: await randomFile(path) });
  }
  secretFile = join(base, 'secret.txt');
  await writeFile(secretFile, 'not for clients\n');
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Every file in `dir` whose name marks it as an upload in progress. */
async function temporaryFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('.upload-'));
}

for (const model of MODELS) {
  describe(`--model ${model}`, () => {
    let dir: string;
    let downloads: string;
    let server: FileServer;
    const clients: FileClient[] = [];

    before(async () => {
      dir = join(base, `served-${model}`);
      downloads = join(base, `downloads-${model}`);
      await mkdir(dir);
      await mkdir(downloads);
      await copyFile(libraryFile, join(dir, 'library.bin'));
      await mkdir(join(dir, 'shelf'));
      await writeFile(join(dir, '.hidden'), 'hidden\n');
      await symlink(secretFile, join(dir, 'escape'));
      await symlink(base, join(dir, 'escape-dir'));
      await symlink('library.bin', join(dir, 'alias.bin'));
      server = await startFileServer({ dir, model, host: '127.0.0.1', port: 0 });
    });

    afterEach(() => {
      for (const client of clients.splice(0)) client.close();
    });

    after(async () => {
      await server.close();
      assert.equal(server.active, 0);
    });

    async function connect(): Promise<FileClient> {
      const client = await FileClient.connect({ host: '127.0.0.1', port: server.port });
      clients.push(client);
      return client;
    }

    it(`startFileServer() - ${CLIENTS} clients upload and download 5 MB files at once, intact`, async () => {
      const results = await Promise.all(
        uploads.map(async ({ path }, i) => {
          const client = await connect();
          const dest = join(downloads, `library-${i}.bin`);
          const uploaded = await client.upload(path, `upload-${i}.bin`);
          const downloaded = await client.download('library.bin', dest);
          await client.quit();
          return { uploaded, downloaded, dest };
        }),
      );
      for (const [i, { uploaded, downloaded, dest }] of results.entries()) {
        assert.equal(uploaded, FILE_BYTES);
        assert.equal(downloaded, FILE_BYTES);
        assert.equal(await sha256(dest), libraryHash, `download ${i}`);
        assert.equal(await sha256(join(dir, `upload-${i}.bin`)), uploads[i]?.hash, `upload ${i}`);
      }
      await server.idle();
      assert.deepEqual(await temporaryFiles(dir), []);
    });

    it('FileClient#list() - shows the uploaded files and the library, not hidden names, links outside or directories', async () => {
      const client = await connect();
      const files = await client.list();
      await client.quit();
      const expected = [
        { name: 'alias.bin', size: FILE_BYTES },
        { name: 'library.bin', size: FILE_BYTES },
        ...uploads.map((_, i) => ({ name: `upload-${i}.bin`, size: FILE_BYTES })),
      ].sort((a, b) => (a.name < b.name ? -1 : 1));
      assert.deepEqual(files, expected);
    });

    it('FileClient - every name that leads outside the directory is refused, and the session goes on', async () => {
      const client = await connect();
      const refusals: [string, RegExp][] = [
        ['..', /^`\.\.` is not a file in the served directory$/],
        ['../x', /^a file name may not contain a path separator: `\.\.\/x`$/],
        ['/etc/passwd', /^a file name may not contain a path separator: `\/etc\/passwd`$/],
        ['..\\secret.txt', /^a file name may not contain a path separator/],
        ['library.bin\0.txt', /^a file name may not contain a NUL byte$/],
        ['escape', /^`escape` leads outside the served directory$/],
        ['escape-dir', /^`escape-dir` leads outside the served directory$/],
        ['.hidden', /^hidden names \(starting with `\.`\) are not served: `\.hidden`$/],
        ['shelf', /^`shelf` is a directory$/],
        ['missing.bin', /^no such file: `missing\.bin`$/],
      ];
      for (const [name, reason] of refusals) {
        await assert.rejects(
          client.download(name, join(downloads, 'refused.bin')),
          (error: unknown) => error instanceof FileServerError && reason.test(error.reason),
          `download ${JSON.stringify(name)}`,
        );
      }
      const upload = uploads[0]?.path ?? '';
      for (const name of [
        '..',
        '../x',
        '/tmp/x',
        'a\0b',
        'escape',
        'escape-dir',
        '.upload-x',
        'shelf',
      ]) {
        await assert.rejects(
          client.upload(upload, name),
          (error: unknown) => error instanceof FileServerError,
          `upload ${JSON.stringify(name)}`,
        );
      }
      // Nothing was written anywhere: not beside the served directory, not in it.
      const outside = await readdir(base);
      assert.deepEqual(
        outside.filter(
          (name) => !/^(sources|secret\.txt|(served|downloads|closing)-\w+)$/.test(name),
        ),
        [],
      );
      assert.deepEqual(await temporaryFiles(dir), []);
      assert.equal((await readdir(dir)).includes('x'), false);
      assert.deepEqual(
        (await readdir(downloads)).filter((name) => name.includes('refused')),
        [],
      );
      // A link inside the directory to a file inside it is served.
      assert.equal(await client.download('alias.bin', join(downloads, 'alias.bin')), FILE_BYTES);
      assert.equal(await sha256(join(downloads, 'alias.bin')), libraryHash);
      await client.quit();
    });

    it('PUT - an upload cut off mid-way leaves no file and no temporary file', async () => {
      const socket = createConnection({ host: '127.0.0.1', port: server.port });
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      const reader = new ByteReader(socket);
      socket.write('PUT 1000000 cut.bin\n');
      assert.equal(await reader.readLine(), 'READY');
      // The body goes to a temporary file until it is complete.
      assert.equal((await temporaryFiles(dir)).length, 1);
      socket.write(randomBytes(300_000));
      socket.destroy();
      await server.idle();
      const names = await readdir(dir);
      assert.equal(names.includes('cut.bin'), false);
      assert.deepEqual(await temporaryFiles(dir), []);
    });

    it('FileServer#close() - ends a session in the middle of an upload: no file, no temporary file', async () => {
      const closing = join(base, `closing-${model}`);
      await mkdir(closing);
      const other = await startFileServer({ dir: closing, model });
      const socket = createConnection({ host: '127.0.0.1', port: other.port });
      try {
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        const reader = new ByteReader(socket);
        socket.write('PUT 1000000 closing.bin\n');
        assert.equal(await reader.readLine(), 'READY');
        socket.write(randomBytes(100_000));
        assert.equal(other.active, 1);
        // Not once(): the reset comes as an 'error' first, which would reject it.
        const hungUp = new Promise((resolve) => socket.once('close', resolve));
        await other.close();
        // The server hung up on the client (a reset: the rest of the upload went unread).
        await hungUp;
        assert.equal(other.active, 0);
        assert.deepEqual(await readdir(closing), []);
      } finally {
        socket.destroy();
      }
    });
  });
}

describe('filesCommand()', () => {
  const cases: [string[], RegExp][] = [
    [[], /^error: missing the mode: one of server, client$/],
    [['serve', 'x'], /^error: unknown mode 'serve': one of server, client$/],
    [['server'], /^error: missing required argument 'DIR'$/],
    [
      ['server', '.', 'other'],
      /^error: too many arguments for 'server'\. Expected 1 argument but got 2\.$/,
    ],
    [
      ['server', '.', '--model', 'fork'],
      /^error: option '--model <M>' argument 'fork' is invalid\. Allowed choices are process, thread, event\.$/,
    ],
    [
      ['server', '.', '--port', '70000'],
      /^error: option '--port <P>' argument '70000' is invalid\. Expected an integer from 0 to 65535\.$/,
    ],
    [
      ['client', '--port', 'http'],
      /^error: option '--port <P>' argument 'http' is invalid\. Expected an integer from 0 to 65535\.$/,
    ],
    [['client', '--model', 'event'], /^error: unknown option '--model'$/],
    [['client', '--verbose'], /^error: unknown option '--verbose'$/],
    [
      ['client', 'extra'],
      /^error: too many arguments for 'client'\. Expected 0 arguments but got 1\.$/,
    ],
  ];
  for (const [argv, message] of cases) {
    it(`filesCommand() - ${JSON.stringify(argv)} exits with 2 and says why`, async () => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await filesCommand(
        argv,
        (line) => out.push(line),
        (line) => err.push(line),
      );
      assert.equal(code, 2);
      assert.deepEqual(out, []);
      assert.equal(err.length, 2);
      assert.match(err[0] ?? '', message);
      assert.match(err[1] ?? '', /^usage: multitask files/);
    });
  }

  it('filesCommand() - a missing directory is one line, exit code 1', async () => {
    const err: string[] = [];
    const code = await filesCommand(
      ['server', '/no/such/dir'],
      () => assert.fail('nothing printed'),
      (line) => err.push(line),
    );
    assert.equal(code, 1);
    assert.deepEqual(err, ['Cannot serve `/no/such/dir`: no such directory']);
  });

  it('filesCommand() - --help prints the usage and exits with 0', async () => {
    const out: string[] = [];
    assert.equal(
      await filesCommand(
        ['--help'],
        (line) => out.push(line),
        (line) => assert.fail(line),
      ),
      0,
    );
    assert.match(out.join('\n'), /^Usage: multitask files server\|client \[options\]/);
    assert.match(out.join('\n'), /\n {2}server \[options\] <DIR> /);
  });
});

describe('interact()', () => {
  let server: FileServer;
  let work: string;

  before(async () => {
    work = join(base, 'interactive');
    await mkdir(join(work, 'served'), { recursive: true });
    await writeFile(join(work, 'notes.txt'), 'remember the milk\n');
    server = await startFileServer({ dir: join(work, 'served'), model: 'event' });
  });

  after(async () => {
    await server.close();
  });

  it('interact() - guides the user through list, upload, download, refusals and quit', async () => {
    const client = await FileClient.connect({ port: server.port });
    const out: string[] = [];
    let prompts = 0;
    const code = await interact(
      client,
      Readable.from([
        'list',
        'upload notes.txt as shared notes.txt',
        'list',
        'download shared notes.txt to copy.txt',
        'download ../../etc/passwd',
        'download',
        'dance',
        'quit',
        'list', // never read: quit ends the session
      ]),
      (line) => out.push(line),
      {
        cwd: work,
        prompt: () => {
          prompts++;
        },
      },
    );
    assert.equal(code, 0);
    assert.equal(prompts, 8);
    const menu = out[0] ?? '';
    assert.match(
      menu,
      /^Commands:\n {2}list {2,}show the files on the server\n {2}download NAME \[to PATH\]/,
    );
    assert.deepEqual(out.slice(1), [
      'The server has no files.',
      `Uploaded ${join(work, 'notes.txt')} as shared notes.txt (18 bytes)`,
      '1 file(s):',
      '               18  shared notes.txt',
      `Downloaded shared notes.txt (18 bytes) to ${join(work, 'copy.txt')}`,
      'Refused: a file name may not contain a path separator: `../../etc/passwd`',
      'Which file? Type `download NAME` (see `list`), or `download NAME to PATH`.',
      'Unknown command `dance`.',
      menu,
      'Bye.',
    ]);
    assert.equal(await readFile(join(work, 'copy.txt'), 'utf8'), 'remember the milk\n');
    await server.idle();
  });
});
