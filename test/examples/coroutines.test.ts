/**
 * The course's coroutine demos: the greenlet interleaving, the overlapping gevent sleeps and
 * the pooled crawler (checked by order and counts: tiny sleeps, nothing timed), and local().
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { main as geventDemo } from '../../src/examples/gevent/main.ts';
import { main as greenletDemo } from '../../src/examples/greenlet/main.ts';
import { main as localDemo } from '../../src/examples/local/main.ts';

it('demo greenlet - eat and play interleave; play returns to main, eat stays suspended', async () => {
  const lines = await greenletDemo(() => undefined);
  assert.deepEqual(
    lines.map((line) => line.split('  ')[0]?.trim()),
    ['egon eat 1', 'alex play 1', 'egon eat 2', 'alex play 2', 'eat dead: false, play dead: true'],
  );
});

it('demo gevent - the two sleeps overlap; the Pool crawls with at most size requests at once', async () => {
  const report = await geventDemo(() => undefined, {
    eatMs: 3,
    playMs: 4,
    pages: 6,
    pageDelayMs: 50,
    poolSize: 3,
  });
  // Both start before either ends: the sleeps overlap.
  assert.deepEqual(report.events.slice(0, 2), ['eat starts', 'play starts']);
  assert.deepEqual(report.events.slice(2).sort(), ['eat ends', 'play ends']);
  assert.deepEqual([report.serial.pages, report.serial.peak], [6, 1]);
  assert.equal(report.pooled.pages, 6);
  // Never more than the Pool's size; more than one at a time (three, unless the machine is
  // so slow that a 50 ms answer comes back before the third request is sent).
  assert.ok(report.pooled.peak >= 2 && report.pooled.peak <= 3, `peak ${report.pooled.peak}`);
});

it('demo local - each thread and each greenlet sees its own data.name', async () => {
  const lines = await localDemo(() => undefined);
  assert.equal(lines.length, 8);
  const reported = lines.slice(1, 7).sort();
  assert.deepEqual(reported, [
    '  thread-1, greenlet a: found nothing, set thread-1/a',
    '  thread-1, greenlet b: found nothing, set thread-1/b',
    '  thread-1: its own data.name is still thread-1',
    '  thread-2, greenlet a: found nothing, set thread-2/a',
    '  thread-2, greenlet b: found nothing, set thread-2/b',
    '  thread-2: its own data.name is still thread-2',
  ]);
  assert.equal(lines[7], 'main thread: data.name is still main');
});
