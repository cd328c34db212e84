/**
 * Scenario 9: coroutines. A switch round trip between two greenlets (main → echo → main), and
 * spawn + join of 10,000 greenlets that each `sleep(0)` once, beside CPython's greenlet and
 * gevent doing the same when `python3` can import them.
 */
import { loadMultitask } from '../lib/multitask.ts';
import { median } from '../lib/stats.ts';
import { nowMs } from '../lib/timing.ts';
import { cpython } from '../lib/python.ts';
import type { Measurement, RowSpec, Scenario } from '../lib/types.ts';

type GreenletParams = { switches: number; spawns: number; batches: number };

/** µs per switch round trip: the median of `batches` batches of `switches` round trips. */
async function switchRoundTrip({ switches, batches }: GreenletParams): Promise<Measurement> {
  const { getcurrent, Greenlet } = await loadMultitask();
  const main = getcurrent();
  const echo = new Greenlet(async (first: number) => {
    let value: unknown = first;
    for (;;) value = await main.switch(value);
  });
  await echo.switch(0);
  const perTrip: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const start = nowMs();
    for (let i = 0; i < switches; i++) {
      if ((await echo.switch(i)) !== i) throw new Error('the echo greenlet answered wrong');
    }
    perTrip.push(((nowMs() - start) * 1000) / switches);
  }
  return { values: { us: median(perTrip) ?? null } };
}

/** µs per greenlet: spawn `spawns` greenlets that sleep(0) once, join them all. */
async function spawnJoin({ spawns, batches }: GreenletParams): Promise<Measurement> {
  const { joinAll, sleep, spawn } = await loadMultitask();
  const perGreenlet: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const start = nowMs();
    const greenlets = Array.from({ length: spawns }, () => spawn(sleep, 0));
    const done = await joinAll(greenlets);
    if (done.length !== spawns) throw new Error(`${done.length} of ${spawns} joined`);
    perGreenlet.push(((nowMs() - start) * 1000) / spawns);
  }
  return { values: { us: median(perGreenlet) ?? null } };
}

const SWITCH_ROWS = new Set(['multitask-switch', 'cpython-greenlet-switch']);

export const greenlets: Scenario<GreenletParams> = {
  id: '10-greenlet',
  title: 'Greenlets: switch round trip, spawn + join',
  rounds: { quick: 2, full: 5 },
  params: (mode) => ({
    switches: mode === 'quick' ? 20_000 : 100_000,
    spawns: 10_000,
    batches: 5,
  }),
  describe: ({ switches, spawns, batches }) =>
    `A switch round trip: the main greenlet switches to an echo greenlet, which switches the ` +
    `value back (${switches.toLocaleString('en-US')} per batch). Spawn + join: ` +
    `${spawns.toLocaleString('en-US')} greenlets that each sleep(0) once, spawned and joined ` +
    `with joinAll. The median of ${batches} batches, in µs per round trip or per greenlet. ` +
    'In multitask a switch is an `await` on the event loop; CPython switches C stacks.',
  nullText: () => 'not importable by python3 (PyPI is unreachable here)',
  timeoutMs: () => 120_000,
  contenders: [
    {
      kind: 'node',
      id: 'multitask-switch',
      label: 'multitask Greenlet, await switch() round trip',
      requires: { exports: ['Greenlet', 'getcurrent'], issue: 16 },
      measure: switchRoundTrip,
    },
    cpython('cpython-greenlet-switch', 'CPython greenlet, switch() round trip'),
    {
      kind: 'node',
      id: 'multitask-spawn',
      label: 'multitask spawn + joinAll, sleep(0) once',
      requires: { exports: ['spawn', 'joinAll', 'sleep'], issue: 16 },
      measure: spawnJoin,
    },
    cpython('cpython-gevent-spawn', 'CPython gevent.spawn + joinall, sleep(0) once'),
  ],
  table: {
    columns: [{ key: 'us', header: 'per op', unit: 'µs', better: 'lower' }],
    primary: 'us',
    ratios: [
      {
        header: 'vs CPython, same op',
        ref: (row: RowSpec) =>
          SWITCH_ROWS.has(row.id) ? 'cpython-greenlet-switch' : 'cpython-gevent-spawn',
      },
    ],
  },
};
