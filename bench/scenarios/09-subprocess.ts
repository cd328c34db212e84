/**
 * Scenario 9: subprocess. Two figures per contender: the round trip of running `true` and
 * waiting for it (multitask's `run(['true'])`, a raw `child_process.spawn`, CPython's
 * `subprocess.run`), and the time to send 100 MB through `cat` and read it all back
 * (`communicate` / `run(input=...)`), checked byte for byte.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpython } from '../lib/python.ts';
import { loadMultitask } from '../lib/multitask.ts';
import { median } from '../lib/stats.ts';
import { nowMs } from '../lib/timing.ts';
import type { Measurement, Scenario } from '../lib/types.ts';

type SubprocessParams = { runs: number; warmup: number; megabytes: number; transfers: number };

/** One contender's two operations. */
interface Subject {
  /** Runs `true` and waits for it. */
  runTrue(): Promise<void>;
  /** Sends `input` through `cat` and returns what came back. */
  cat(input: Buffer): Promise<Buffer>;
}

async function measure(subject: Subject, params: SubprocessParams): Promise<Measurement> {
  const { runs, warmup, megabytes, transfers } = params;
  for (let i = 0; i < warmup; i++) await subject.runTrue();
  const runTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = nowMs();
    await subject.runTrue();
    runTimes.push(nowMs() - start);
  }
  const input = randomBytes(megabytes * 1_000_000);
  const catTimes: number[] = [];
  for (let i = 0; i < transfers; i++) {
    const start = nowMs();
    const output = await subject.cat(input);
    catTimes.push(nowMs() - start);
    if (!output.equals(input)) {
      throw new Error(`cat gave back ${output.length} bytes, not the ${input.length} sent`);
    }
  }
  return { values: { runMs: median(runTimes) ?? null, catMs: median(catTimes) ?? null } };
}

/** child_process as is: spawn, write stdin, gather stdout, wait for 'close'. */
const raw: Subject = {
  async runTrue() {
    const child = spawn('true', [], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`true exited with ${code}`);
  },
  cat(input) {
    const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdin.end(input);
    return new Promise<Buffer>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', () => {
        resolve(Buffer.concat(chunks));
      });
    });
  },
};

async function multitaskSubject(): Promise<Subject> {
  const { run, Popen, PIPE } = await loadMultitask();
  return {
    async runTrue() {
      const done = await run(['true']);
      if (done.returncode !== 0) throw new Error(`true exited with ${done.returncode}`);
    },
    async cat(input) {
      await using proc = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
      const [out] = await proc.communicate({ input });
      return out ?? Buffer.alloc(0);
    },
  };
}

export const subprocessScenario: Scenario<SubprocessParams> = {
  id: '09-subprocess',
  title: "Subprocess: run(['true']) and 100 MB through cat",
  rounds: { quick: 2, full: 5 },
  params: (mode) =>
    mode === 'quick'
      ? { runs: 20, warmup: 3, megabytes: 100, transfers: 1 }
      : { runs: 100, warmup: 5, megabytes: 100, transfers: 3 },
  describe: ({ runs, warmup, megabytes, transfers }) =>
    `${runs} runs of \`true\` one after another (after ${warmup} untimed), each from the call ` +
    `to the exit observed: the median; then ${megabytes} MB of random bytes written to ` +
    `\`cat\` and read back whole (${transfers} time(s), median), checked byte for byte.`,
  timeoutMs: ({ runs, transfers }) => 60_000 + runs * 500 + transfers * 20_000,
  contenders: [
    {
      kind: 'node',
      id: 'raw-spawn',
      label: 'raw child_process.spawn',
      measure: (params) => measure(raw, params),
    },
    {
      kind: 'node',
      id: 'multitask-subprocess',
      label: 'multitask run / Popen#communicate',
      requires: { exports: ['run', 'Popen', 'PIPE'], issue: 17 },
      measure: async (params) => measure(await multitaskSubject(), params),
    },
    cpython('cpython-subprocess', 'CPython subprocess.run'),
  ],
  table: {
    columns: [
      { key: 'runMs', header: "run(['true'])", unit: 'ms', better: 'lower' },
      { key: 'catMs', header: '100 MB through cat', unit: 'ms', better: 'lower' },
    ],
    primary: 'runMs',
    ratios: [
      { header: 'vs raw spawn', ref: () => 'raw-spawn' },
      { header: 'vs CPython', ref: () => 'cpython-subprocess' },
    ],
  },
};
