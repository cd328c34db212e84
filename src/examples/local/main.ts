/**
 * The course's `threading.local` program: the main thread and two threads each set
 * `data.name` on a `local()`, and each sees only its own; inside each thread, two greenlets
 * see their own too.
 */
import { local, Queue, taskModule, Thread } from '../../index.ts';
import { startAll } from '../workers.ts';

const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));

/** Lines each thread reports: one per greenlet, and its own value at the end. */
const LINES_PER_THREAD = 3;

/**
 * The program.
 * @returns The lines printed, in order.
 * @example
 * ```ts
 * await main(console.log);
 * // main thread sets data.name = main
 * //   thread-1, greenlet a: found nothing, set thread-1/a
 * //   ...
 * // main thread: data.name is still main
 * ```
 */
export async function main(write: (line: string) => void): Promise<string[]> {
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    write(line);
  };
  const data = local();
  data.name = 'main';
  say('main thread sets data.name = main; thread-1 and thread-2 set their own');
  const reports = new Queue<string>();
  const names = ['thread-1', 'thread-2'];
  const group = startAll(
    names.map((name) => new Thread({ name, target: tasks.worker, args: [name, reports] })),
    () => {
      reports.shutdown();
    },
  );
  try {
    for (let i = 0; i < names.length * LINES_PER_THREAD; i++) say(await reports.get());
  } finally {
    await group.join();
  }
  say(`main thread: data.name is still ${String(data.name)}`);
  return lines;
}
