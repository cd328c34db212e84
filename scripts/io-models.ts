/**
 * The README's table of the file server's three concurrency models under the same load:
 * clients served per second and memory per idle client, for `files server --model process`,
 * `--model thread` and `--model event`, each run from dist/ in its own process.
 *
 *     npm run build && node --import tsx scripts/io-models.ts [--seconds S] [--clients N] [--idle N]
 *
 * Served/s: N clients at once, each in a loop of connect, `GET` of a 1 KB file (checked),
 * `QUIT`, close, for S seconds; the sessions completed per second. Memory per idle client:
 * the resident memory (RSS) of the server and every process under it, with no client and
 * then with `--idle` clients connected that have each listed the directory and stay idle,
 * divided by their number. The process model runs unbounded here (`--max-processes` as
 * large as the idle clients), as "a process per client" means.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    clients: { type: 'string', default: '8' },
    idle: { type: 'string', default: '40' },
  },
});
const seconds = Number(values.seconds);
const concurrent = Number(values.clients);
const idleCount = Number(values.idle);
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);

/** A line-oriented client of the file protocol. */
class Client {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new Client(socket));
      });
      socket.once('error', reject);
    });
  }

  async #until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.#closed) throw new Error('The server closed the connection');
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  async line(): Promise<string> {
    await this.#until(() => this.#buffer.includes(0x0a));
    const end = this.#buffer.indexOf(0x0a);
    const line = this.#buffer.subarray(0, end).toString();
    this.#buffer = this.#buffer.subarray(end + 1);
    return line;
  }

  async bytes(count: number): Promise<Buffer> {
    await this.#until(() => this.#buffer.length >= count);
    const data = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    return data;
  }

  send(line: string): void {
    this.#socket.write(`${line}\n`);
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** The resident memory of `pid` and every process under it, in bytes (from /proc). */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const next = stack.pop() ?? 0;
    try {
      const status = readFileSync(`/proc/${next}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      continue;
    }
    stack.push(...(children.get(next) ?? []));
  }
  return total;
}

async function startServer(
  dir: string,
  model: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      cli,
      'files',
      'server',
      dir,
      '--model',
      model,
      '--port',
      '0',
      '--max-clients',
      '10000',
      '--max-processes',
      String(Math.max(idleCount, concurrent) + 4),
      '--idle-timeout',
      '600000',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = / on [\d.]+:(\d+) /.exec(out);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code) => {
      reject(new Error(`The server exited with ${code}: ${out}`));
    });
  });
  return { child, port };
}

async function measure(model: string, dir: string, file: Buffer): Promise<string[]> {
  const { child, port } = await startServer(dir, model);
  try {
    // Served/s: sessions of GET + QUIT, `concurrent` at a time.
    let served = 0;
    const end = Date.now() + seconds * 1000;
    const loop = async (): Promise<void> => {
      while (Date.now() < end) {
        const client = await Client.open(port);
        client.send('GET small.bin');
        const head = await client.line();
        if (head !== `OK ${file.length}`) throw new Error(`GET answered \`${head}\``);
        if (!(await client.bytes(file.length)).equals(file)) throw new Error('Wrong bytes');
        client.send('QUIT');
        await client.line();
        client.close();
        served++;
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: concurrent }, loop));
    const perSecond = served / ((Date.now() - started) / 1000);
    // Memory per idle client: RSS with none, then with `idleCount` idle sessions.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = treeRss(child.pid ?? 0);
    const idle: Client[] = [];
    for (let i = 0; i < idleCount; i++) {
      const client = await Client.open(port);
      client.send('LIST');
      const count = Number((await client.line()).split(' ')[1]);
      for (let j = 0; j < count; j++) await client.line();
      idle.push(client);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = treeRss(child.pid ?? 0);
    for (const client of idle) client.close();
    const perClient = (after - before) / idleCount;
    return [
      model,
      Math.round(perSecond).toLocaleString('en-US'),
      `${(before / 2 ** 20).toFixed(0)} MB`,
      perClient >= 2 ** 20
        ? `${(perClient / 2 ** 20).toFixed(1)} MB`
        : `${Math.max(0, Math.round(perClient / 1024))} KB`,
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'multitask-io-models-'));
const file = randomBytes(1024);
writeFileSync(join(dir, 'small.bin'), file);
try {
  const rows = [['model', 'clients served/s', 'RSS, no client', 'RSS per idle client']];
  for (const model of ['process', 'thread', 'event']) rows.push(await measure(model, dir, file));
  const widths =
    rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const line = (row: readonly string[]): string =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(rows[0] ?? []));
  console.log(`| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log(
    `\n${concurrent} clients at once for ${seconds} s per model (GET of 1 KB, QUIT); ` +
      `${idleCount} idle clients; load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)}.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
