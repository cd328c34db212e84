/**
 * The synchronization objects and queues a Manager's server makes for clients that reach it
 * over the network (`manager.create('Lock')` after `connect()`), as Python's `SyncManager`
 * serves them: the object lives in the server process, and each method call is a request.
 * A client on the manager's own machine gets the native shared objects instead (faster:
 * no server in the way); these are for the others.
 *
 * RLock and Condition are not served: their owner is the thread that acquired them, and
 * every client's call runs in the one server process, so ownership would not hold.
 */
import { Barrier } from '../sync/barrier.ts';
import { Event } from '../sync/event.ts';
import { Lock } from '../sync/lock.ts';
import { BoundedSemaphore, Semaphore } from '../sync/semaphore.ts';
import { JoinableQueue } from '../queue/joinable-queue.ts';
import { Queue } from '../queue/queue.ts';
import type { RegistryEntry } from './protocol.ts';

const QUEUE = ['put', 'get', 'putNowait', 'getNowait', 'qsize', 'empty', 'full'];

/** Each served type: how the server makes it, and the methods it exposes. */
export const SERVED_TYPES: Readonly<
  Record<string, { make(args: readonly unknown[]): object; exposed: readonly string[] }>
> = {
  Lock: { make: () => new Lock(), exposed: ['acquire', 'release', 'locked'] },
  Semaphore: {
    make: ([value]) => new Semaphore(value as number | undefined),
    exposed: ['acquire', 'release'],
  },
  BoundedSemaphore: {
    make: ([value]) => new BoundedSemaphore(value as number | undefined),
    exposed: ['acquire', 'release'],
  },
  Event: { make: () => new Event(), exposed: ['isSet', 'set', 'clear', 'wait'] },
  Barrier: {
    make: ([parties]) => new Barrier(parties as number),
    exposed: ['wait', 'reset', 'abort'],
  },
  Queue: { make: ([maxsize]) => new Queue(maxsize as number | undefined), exposed: QUEUE },
  JoinableQueue: {
    make: ([maxsize]) => new JoinableQueue(maxsize as number | undefined),
    exposed: [...QUEUE, 'taskDone', 'join'],
  },
};

/** The served types as registry entries: made by the server, not by a task reference. */
export function servedEntry(typeid: string): RegistryEntry | undefined {
  const served = Object.hasOwn(SERVED_TYPES, typeid) ? SERVED_TYPES[typeid] : undefined;
  return served === undefined
    ? undefined
    : { typeid, callable: null, exposed: served.exposed, methodToTypeid: null };
}
