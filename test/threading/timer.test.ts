/**
 * Timer: a Thread that calls its target after an interval unless cancelled first; cancel()
 * before start() or before firing prevents the call, after firing it does nothing; each
 * Timer calls its own target with its own arguments. See docs/python-conformance.md A.9.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ArgumentRangeError, ArgumentTypeError, Event, Thread, Timer } from '../../src/index.ts';
import { syncTasks } from '../fixtures/sync-task-refs.ts';
import { scratchDir } from '../helpers/backends.ts';
import { expected, joinAll, readLines, throwsError, workerPool } from '../helpers/sync.ts';

const scratch = scratchDir();
const workers = workerPool();

it('new Timer() - a Thread; the interval must be a number of milliseconds', () => {
  const timer = new Timer(25, syncTasks.setEvent, [new Event()]);
  assert.ok(timer instanceof Thread);
  assert.equal(timer.interval, 25);
  assert.equal(timer.finished.isSet(), false);
  throwsError(
    () => new Timer(NaN, syncTasks.setEvent, [new Event()]),
    ArgumentRangeError,
    'ERR_OUT_OF_RANGE',
    expected('interval', 'a number of milliseconds', '`NaN` (number)'),
  );
  throwsError(
    () => new Timer('5' as unknown as number, syncTasks.setEvent, [new Event()]),
    ArgumentTypeError,
    'ERR_INVALID_ARG_TYPE',
    expected('interval', 'a number of milliseconds', '`"5"` (string)'),
  );
});

it('Timer - calls its target after the interval; cancel() afterwards does nothing', async () => {
  const fired = new Event();
  const timer = workers.start(new Timer(20, syncTasks.setEvent, [fired]));
  assert.equal(await fired.wait(30_000), true);
  await joinAll([timer]);
  assert.equal(timer.finished.isSet(), true);
  timer.cancel();
  assert.equal(timer.finished.isSet(), true);
  assert.equal(timer.exitCode, 0);
});

it('Timer#cancel() - before start(): the target is never called', async () => {
  const fired = new Event();
  const timer = new Timer(0, syncTasks.setEvent, [fired]);
  timer.cancel();
  workers.start(timer);
  await joinAll([timer]);
  assert.equal(fired.isSet(), false);
});

it('Timer#cancel() - after start(), before the interval: the target is never called', async () => {
  const fired = new Event();
  const timer = workers.start(new Timer(60_000, syncTasks.setEvent, [fired]));
  timer.cancel();
  await joinAll([timer]);
  assert.equal(fired.isSet(), false);
  assert.equal(timer.finished.isSet(), true);
});

it('Timer - each timer calls its own target with its own arguments; a negative interval fires at once', async () => {
  const log = scratch.file('timer-args.log');
  const timers = [
    new Timer(0, syncTasks.appendLine, [log, 'first']),
    new Timer(-5, syncTasks.appendLine, [log, 'second']),
    new Timer(1, syncTasks.appendLine, [log, 'third']),
  ];
  for (const timer of timers) workers.start(timer);
  await joinAll(timers);
  assert.deepEqual(readLines(log).sort(), ['first', 'second', 'third']);
});
