/**
 * The course's teacher and students: students (threads and processes) wait on one
 * `Event`; the teacher (the program's main thread) waits until every student is waiting,
 * announces the class and sets the Event; every student wakes. A latecomer who arrives
 * once the Event is set does not wait at all: an Event is a flag, not a notification.
 */
import { Event, Process, Queue, taskModule, Thread } from '../../index.ts';
import { startAll } from '../workers.ts';
import type { StudentReport } from './tasks.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Options of {@link main}. The defaults run in a few seconds on a 2-core machine. */
export interface EventOptions {
  /**
   * Students that are threads.
   * @default 3
   */
  readonly threads?: number;
  /**
   * Students that are processes.
   * @default 2
   */
  readonly processes?: number;
}

/** One step of the lesson, in the order it happened. */
export interface EventStep {
  /** A student's name, or `'teacher'`. */
  readonly who: string;
  readonly what: 'waits' | 'announces' | 'wakes';
  /** Whether the Event was set at that step (for `wakes`: what the wait returned). */
  readonly set: boolean;
}

function check(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Expected \`${name}\` to be an integer from 0 and up, got \`${value}\``);
  }
}

/**
 * Prints a student's report and turns it into a step. `late` holds the students who found
 * the Event already set when they arrived; it gains this one if so.
 */
function step(report: StudentReport, late: Set<string>, write: (line: string) => void): EventStep {
  const who = report.student;
  if (report.event === 'waits') {
    if (report.alreadySet) late.add(who);
    write(
      report.alreadySet
        ? `  ${who} arrives: the class has begun, no need to wait`
        : `  ${who} waits for the teacher`,
    );
    return { who, what: 'waits', set: report.alreadySet };
  }
  write(late.has(who) ? `  ${who} walks straight in` : `  ${who} wakes up`);
  return { who, what: 'wakes', set: report.woken };
}

/**
 * The program: the students arrive and wait, the teacher sets the Event once all are
 * waiting, they all wake; then a latecomer (a thread) passes straight through.
 * @returns Every step, in the order it happened.
 * @throws {Error} when a student wakes before the Event is set, or a student fails.
 * @example
 * ```ts
 * await main(console.log);
 * //   student 1 (thread) waits for the teacher
 * //   ...
 * // Teacher: "Good morning, everyone! The class begins." (event.set())
 * //   student 4 (process) wakes up
 * //   ...
 * ```
 */
export async function main(
  write: (line: string) => void,
  options: EventOptions = {},
): Promise<EventStep[]> {
  const { threads = 3, processes = 2 } = options;
  check(threads, 'threads');
  check(processes, 'processes');
  const count = threads + processes;
  write(
    `Event: ${count} students (${threads} threads, ${processes} processes) wait on the teacher's Event`,
  );
  const bell = new Event();
  // Students put their reports here, the teacher reads them: the queue's order is the order
  // of what happened, across threads and processes.
  const reports = new Queue<StudentReport>();
  const students = Array.from({ length: count }, (_, i) => {
    const name = `student ${i + 1} (${i < threads ? 'thread' : 'process'})`;
    const Worker = i < threads ? Thread : Process;
    return new Worker({ name, target: tasks.student, args: [name, bell, reports] });
  });
  const group = startAll(students, () => {
    // A student that failed never reports: stop the teacher waiting for it.
    reports.shutdown();
  });
  const steps: EventStep[] = [];
  const late = new Set<string>();
  try {
    // No student can wake before the teacher sets the Event, so the first `count` reports
    // are the students saying they wait.
    while (steps.length < count) {
      const next = step(await reports.get(), late, write);
      steps.push(next);
      if (next.what !== 'waits' || next.set) {
        throw new Error(`${next.who} did not wait for the teacher`);
      }
    }
    write('Teacher: "Good morning, everyone! The class begins." (event.set())');
    steps.push({ who: 'teacher', what: 'announces', set: true });
    bell.set();
    for (let i = 0; i < count; i++) steps.push(step(await reports.get(), late, write));
  } finally {
    // Whatever happened, no student is left waiting.
    bell.set();
    await group.join();
  }
  const latecomer = 'latecomer (thread)';
  await startAll([
    new Thread({ name: latecomer, target: tasks.student, args: [latecomer, bell, reports] }),
  ]).join();
  while (!reports.empty()) steps.push(step(reports.getNowait(), late, write));
  const woke = steps.filter((s) => s.what === 'wakes');
  if (woke.length !== count + 1 || woke.some((s) => !s.set)) {
    throw new Error(`${woke.length} wakes for ${count + 1} students, some not woken by the Event`);
  }
  write(`All ${count} students woke after the teacher set the Event; the latecomer did not wait.`);
  return steps;
}
