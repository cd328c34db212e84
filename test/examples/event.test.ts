/**
 * The course's teacher and students: every student (threads and processes) waits before
 * the teacher sets the Event, and wakes only after it, with `waitSync()` returning true;
 * a latecomer finds it set and does not wait.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { main } from '../../src/examples/event/main.ts';

it('main() - 2 thread and 2 process students wait, the teacher sets the Event, all wake', async () => {
  const lines: string[] = [];
  const steps = await main((line) => lines.push(line), { threads: 2, processes: 2 });
  const students = [
    'student 1 (thread)',
    'student 2 (thread)',
    'student 3 (process)',
    'student 4 (process)',
  ];
  assert.equal(steps.length, 11);
  // In the order they happened: four students waiting (the Event not yet set), the teacher,
  // four students woken by the Event, then the latecomer who finds it set.
  const waiting = steps.slice(0, 4);
  assert.deepEqual(waiting.map((s) => s.who).sort(), students);
  for (const s of waiting) assert.deepEqual([s.what, s.set], ['waits', false]);
  assert.deepEqual(steps[4], { who: 'teacher', what: 'announces', set: true });
  const woken = steps.slice(5, 9);
  assert.deepEqual(woken.map((s) => s.who).sort(), students);
  for (const s of woken) assert.deepEqual([s.what, s.set], ['wakes', true]);
  assert.deepEqual(steps.slice(9), [
    { who: 'latecomer (thread)', what: 'waits', set: true },
    { who: 'latecomer (thread)', what: 'wakes', set: true },
  ]);

  assert.deepEqual(lines, [
    "Event: 4 students (2 threads, 2 processes) wait on the teacher's Event",
    ...waiting.map((s) => `  ${s.who} waits for the teacher`),
    'Teacher: "Good morning, everyone! The class begins." (event.set())',
    ...woken.map((s) => `  ${s.who} wakes up`),
    '  latecomer (thread) arrives: the class has begun, no need to wait',
    '  latecomer (thread) walks straight in',
    'All 4 students woke after the teacher set the Event; the latecomer did not wait.',
  ]);
});

it('main() - refuses a negative student count, naming the option', async () => {
  await assert.rejects(
    main(() => undefined, { processes: -1 }),
    {
      name: 'RangeError',
      message: 'Expected `processes` to be an integer from 0 and up, got `-1`',
    },
  );
});
