/** The local demo's worker: runs in a thread, with greenlets of its own. */
import { gevent, local, type Queue } from '../../index.ts';

/** This thread's local: the module is loaded afresh in every thread. */
const data = local();

/**
 * Sets this thread's `data.name`, then runs two greenlets that each find it unset in their
 * own scope and set their own; reports every step on `reports`.
 */
export async function worker(name: string, reports: Queue<string>): Promise<void> {
  data.name = name;
  const greenlets = ['a', 'b'].map((letter) =>
    gevent.spawn(async () => {
      const before = typeof data.name === 'string' ? data.name : 'nothing';
      data.name = `${name}/${letter}`;
      await gevent.sleep(0);
      await reports.put(`  ${name}, greenlet ${letter}: found ${before}, set ${String(data.name)}`);
    }),
  );
  await gevent.joinAll(greenlets);
  await reports.put(`  ${name}: its own data.name is still ${String(data.name)}`);
}
