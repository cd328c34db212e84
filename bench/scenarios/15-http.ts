/**
 * Scenario 15: static files over HTTP. Each contender is a server in its own process (or
 * processes), loaded by autocannon from the measuring process with keep-alive connections:
 * `multitask http` with one event loop and with 2 processes sharing the socket, beside the
 * reference, a plain 17-line node:http + createReadStream server (`workers/http-plain.ts`),
 * the `http-server` package from npm and CPython's `python3 -m http.server`. Requests/s and
 * the p99 latency, for a 1 KB and a 100 KB file, each body checked before the load.
 *
 * On a 2-core machine the load generator shares the cores with the servers: the process
 * model's gain is bounded by what autocannon leaves free. So each row also gives the CPU time
 * the server's processes (all of them, with their threads) spent per 10,000 requests, read
 * from /proc before and after the measured run, a figure that does not depend on how fast the
 * load generator is, and the load generator's own CPU time per 10,000 requests beside it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchFile, distDir, projectRoot } from '../lib/paths.ts';
import type { Measurement, NodeContender, RowSpec, Scenario } from '../lib/types.ts';

type HttpParams = { seconds: number; warmupSeconds: number; connections: number };

/** The files served, by name and size. */
const FILES = [
  { key: '1k', name: 'file-1k.bin', size: 1024 },
  { key: '100k', name: 'file-100k.bin', size: 100 * 1024 },
] as const;

/** What autocannon reports (the part read here). */
interface LoadResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p99: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
}) => Promise<LoadResult>;

async function loadAutocannon(): Promise<Autocannon> {
  // Loaded by name at run time: the package ships no types.
  const name = 'autocannon';
  const module = (await import(name)) as { default: Autocannon };
  return module.default;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Resolves once something accepts connections on `port` (polled: it is another process). */
async function waitListening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Nothing listens on port ${port} after 30 s`);
}

/** The fields of /proc/PID/stat after the command name: [state, ppid, …]. */
function procStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** `pid` and every process below it (the process model's children). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(procStat(Number(name))?.[1]);
    if (Number.isFinite(ppid)) parents.set(Number(name), ppid);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

let clockTicks: number | undefined;

/** CPU seconds (user and system, every thread) the processes `pids` have used so far. */
function cpuSeconds(pids: readonly number[]): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  let ticks = 0;
  for (const pid of pids) {
    const fields = procStat(pid);
    // utime and stime: fields 14 and 15 of /proc/PID/stat, 12 and 13 after the name.
    if (fields !== undefined) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / clockTicks;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Starts the server `command(root, port)`, checks both files, loads each; then stops it. */
async function measureServer(
  command: (root: string, port: number) => readonly string[],
  params: HttpParams,
): Promise<Measurement> {
  const root = mkdtempSync(join(tmpdir(), 'multitask-bench-http-'));
  const contents = new Map<string, Buffer>();
  for (const file of FILES) {
    const data = randomBytes(file.size);
    writeFileSync(join(root, file.name), data);
    contents.set(file.name, data);
  }
  const port = await freePort();
  const [program = '', ...args] = command(root, port);
  const child = spawn(program, args, { cwd: projectRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitListening(port, child);
    const autocannon = await loadAutocannon();
    const values: Record<string, number | null> = {};
    for (const file of FILES) {
      const url = `http://127.0.0.1:${port}/${file.name}`;
      const res = await fetch(url);
      const body = Buffer.from(await res.arrayBuffer());
      if (
        res.status !== 200 ||
        sha256(body) !== sha256(contents.get(file.name) ?? Buffer.alloc(0))
      ) {
        throw new Error(`${url}: status ${res.status}, ${body.length} bytes, not the file`);
      }
      const load = { url, connections: params.connections };
      await autocannon({ ...load, duration: params.warmupSeconds });
      // After the warm-up, every process of the server is up.
      const pids = child.pid === undefined ? [] : processTree(child.pid);
      const serverBefore = cpuSeconds(pids);
      const loaderBefore = process.cpuUsage();
      const result = await autocannon({ ...load, duration: params.seconds });
      const loader = process.cpuUsage(loaderBefore);
      const server = cpuSeconds(pids) - serverBefore;
      if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
        throw new Error(
          `${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
        );
      }
      values[`rps${file.key}`] = result.requests.average;
      values[`p99${file.key}`] = result.latency.p99;
      const per10k = 10_000 / Math.max(1, result.requests.total);
      values[`cpu${file.key}`] = server * per10k;
      values[`loader${file.key}`] = ((loader.user + loader.system) / 1e6) * per10k;
    }
    return { values };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // SIGTERM: multitask closes gracefully (and its processes with it).
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}

const node = process.execPath;
const multitaskCli = join(distDir, 'cli', 'main.js');

function server(
  id: string,
  label: string,
  command: (root: string, port: number) => readonly string[],
  packages?: readonly string[],
): NodeContender<HttpParams> {
  return {
    kind: 'node',
    id,
    label,
    ...(packages === undefined ? {} : { packages }),
    measure: (params) => measureServer(command, params),
  };
}

const contenders = [
  server('node-http', 'plain node:http + createReadStream', (root, port) => [
    node,
    benchFile('workers/http-plain'),
    root,
    String(port),
  ]),
  server(
    'multitask-event',
    'multitask http --model event',
    (root, port) => [node, multitaskCli, 'http', root, '--port', String(port), '--quiet'],
    ['autocannon'],
  ),
  server('multitask-process', 'multitask http --model process --processes 2', (root, port) => [
    node,
    multitaskCli,
    'http',
    root,
    '--port',
    String(port),
    '--quiet',
    '--model',
    'process',
    '--processes',
    '2',
  ]),
  server(
    'http-server',
    'http-server (npm)',
    (root, port) => [
      node,
      join(projectRoot, 'node_modules', 'http-server', 'bin', 'http-server'),
      root,
      '-p',
      String(port),
      '-a',
      '127.0.0.1',
      '-s',
    ],
    ['http-server'],
  ),
  server('cpython-http-server', 'CPython http.server', (root, port) => [
    'python3',
    '-m',
    'http.server',
    String(port),
    '--bind',
    '127.0.0.1',
    '--directory',
    root,
  ]),
];

const rows: RowSpec[] = FILES.flatMap((file) =>
  contenders.map((contender) => ({
    id: `${contender.id}-${file.key}`,
    contender: contender.id,
    label: `${contender.label}, ${file.key === '1k' ? '1 KB' : '100 KB'}`,
    values: {
      rps: `rps${file.key}`,
      p99: `p99${file.key}`,
      cpu: `cpu${file.key}`,
      loader: `loader${file.key}`,
    },
  })),
);

export const httpStatic: Scenario<HttpParams> = {
  id: '15-http',
  title:
    'Static files over HTTP: multitask http (event, 2 processes) beside node:http, http-server, CPython',
  rounds: { quick: 2, full: 3 },
  params: (mode) =>
    mode === 'quick'
      ? { seconds: 2, warmupSeconds: 1, connections: 10 }
      : { seconds: 5, warmupSeconds: 1, connections: 10 },
  describe: ({ seconds, warmupSeconds, connections }) =>
    `Each server in its own process(es) on 127.0.0.1, loaded by autocannon (${connections} ` +
    `keep-alive connections, ${seconds} s after ${warmupSeconds} s of warm-up) with GETs of ` +
    `one file, 1 KB then 100 KB of random bytes (each checked once by its SHA-256 first): ` +
    `requests/s (mean over the run), the p99 latency, and the CPU time per 10,000 requests ` +
    `of the server's processes (from /proc, every thread) and of the load generator. The ` +
    `load generator shares the machine's cores with the servers.`,
  timeoutMs: ({ seconds, warmupSeconds }) => 90_000 + 2 * (seconds + warmupSeconds) * 1000,
  contenders,
  table: {
    columns: [
      { key: 'rps', header: 'requests/s', unit: 'items/s', better: 'higher' },
      { key: 'p99', header: 'p99 latency', unit: 'ms', better: 'lower' },
      { key: 'cpu', header: 'server CPU per 10k requests', unit: 's', better: 'lower' },
      { key: 'loader', header: 'autocannon CPU per 10k requests', unit: 's', better: 'none' },
    ],
    primary: 'rps',
    rows,
    ratios: [
      {
        header: 'vs plain node:http',
        ref: (row) => `node-http-${row.id.endsWith('-100k') ? '100k' : '1k'}`,
      },
    ],
  },
};
