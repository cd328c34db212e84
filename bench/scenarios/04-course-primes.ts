/**
 * Scenario 4: the course's prime-sum program, as `npm start` runs it: the sum of the primes
 * below N serially, then with 4 and 10 threads, then with 4 and 10 processes, each worker
 * taking one equal slice. multitask runs its own program (`runPrimes` from dist/); CPython
 * runs the same program written with `threading.Thread` and `multiprocessing.Process`
 * (bench/python/primes.py), with the same N and the same slices.
 */
import { cpython } from '../lib/python.ts';
import { grouped } from '../lib/text.ts';
import { loadPrimesProgram } from '../lib/multitask.ts';
import type { Measurement, RowSpec, Scenario } from '../lib/types.ts';

type CourseParams = { n: number };

const VARIANTS = [
  { key: 'serial', label: 'serial' },
  { key: 'threads4', label: '4 threads' },
  { key: 'threads10', label: '10 threads' },
  { key: 'processes4', label: '4 processes' },
  { key: 'processes10', label: '10 processes' },
] as const;

const CONTENDERS = [
  { id: 'multitask', label: 'multitask' },
  { id: 'cpython', label: 'CPython' },
] as const;

async function measure({ n }: CourseParams): Promise<Measurement> {
  const { runPrimes } = await loadPrimesProgram();
  const rows = await runPrimes(n);
  const values: Record<string, number> = {};
  const expected = rows[0]?.sum;
  for (const row of rows) {
    if (row.sum !== expected) throw new Error(`sums disagree: ${row.label}/${row.workers}`);
    values[row.label === 'serial' ? 'serial' : `${row.label}${row.workers}`] = row.seconds;
  }
  return { values };
}

const rows: RowSpec[] = CONTENDERS.flatMap((contender) =>
  VARIANTS.map((variant) => ({
    id: `${contender.id}-${variant.key}`,
    contender: contender.id,
    label: `${contender.label}, ${variant.label}`,
    values: { time: variant.key },
  })),
);

export const coursePrimes: Scenario<CourseParams> = {
  id: '04-course-primes',
  title: "The course's prime-sum program",
  rounds: { quick: 2, full: 3 },
  params: (mode) => ({ n: mode === 'quick' ? 200_000 : 2_000_000 }),
  describe: ({ n }) =>
    `The sum of the primes below ${grouped(n)}: serially, then 4 and 10 threads, then 4 and ` +
    '10 processes, each taking one equal slice; times include starting and joining the ' +
    'workers. multitask: `runPrimes` of src/examples/primes (threads add into a shared ' +
    '`Float64Array`, processes write files). CPython: bench/python/primes.py with ' +
    '`threading.Thread` and `multiprocessing.Process` (default start method, fork on ' +
    'Linux; processes write into a shared `multiprocessing.Array`).',
  timeoutMs: ({ n }) => 60_000 + n / 10,
  contenders: [
    {
      kind: 'node',
      id: 'multitask',
      label: 'multitask Thread/Process',
      requires: { exports: ['Thread', 'Process'], issue: 2 },
      measure,
    },
    cpython('cpython', 'CPython threading/multiprocessing'),
  ],
  table: {
    columns: [{ key: 'time', header: 'time', unit: 's', better: 'lower' }],
    primary: 'time',
    rows,
    ratios: [
      { header: 'vs own serial', ref: (row) => `${row.contender}-serial` },
      {
        header: 'multitask vs CPython',
        ref: (row) =>
          row.contender === 'multitask' ? row.id.replace(/^multitask-/, 'cpython-') : undefined,
      },
    ],
  },
};
