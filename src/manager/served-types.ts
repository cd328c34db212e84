/**
 * The synchronization objects, queues, values and pools a Manager's server makes for its
 * clients (`manager.served.Lock()`, or `create('Lock')`), as Python's `SyncManager` serves
 * them: the object lives in the server process, and each method call is a request. (The
 * served Pool is registered by the Manager, see sync-manager.ts.) A client
 * on the manager's own machine may take the native shared objects instead (faster: no server
 * in the way, `manager.Lock()`); these are for clients elsewhere, or where shared memory
 * cannot be had.
 *
 * A method that waits (a lock's `acquire`, an event's `wait`, a queue's `get`) returns a
 * promise in the server: the server keeps serving its other clients meanwhile. RLock and
 * Condition are owned per client thread: their proxies name their realm (served-sync.ts).
 */
import { Event } from '../sync/event.ts';
import { Lock } from '../sync/lock.ts';
import { BoundedSemaphore, Semaphore } from '../sync/semaphore.ts';
import { JoinableQueue } from '../queue/joinable-queue.ts';
import { Queue } from '../queue/queue.ts';
import type { RegistryEntry } from './protocol.ts';
import { ServedBarrier, ServedCondition, ServedRLock } from './served-sync.ts';
import { ServedArray, ServedValue } from './served-values.ts';

const QUEUE = ['put', 'get', 'putNowait', 'getNowait', 'qsize', 'empty', 'full'];
const ACQUIRER = ['acquire', 'release'];

interface ServedType {
  make(args: readonly unknown[]): object;
  readonly exposed: readonly string[];
  /** Methods whose result the server holds, answering with a token of the named type. */
  readonly methodToTypeid?: Readonly<Record<string, string>>;
}

/** Each served type: how the server makes it, and the methods it exposes. */
export const SERVED_TYPES: Readonly<Record<string, ServedType>> = {
  Lock: { make: () => new Lock(), exposed: [...ACQUIRER, 'locked'] },
  RLock: { make: () => new ServedRLock(), exposed: [...ACQUIRER, 'locked'] },
  Semaphore: {
    make: ([value]) => new Semaphore(value as number | undefined),
    exposed: ACQUIRER,
  },
  BoundedSemaphore: {
    make: ([value]) => new BoundedSemaphore(value as number | undefined),
    exposed: ACQUIRER,
  },
  Condition: {
    make: () => new ServedCondition(),
    exposed: [...ACQUIRER, 'locked', 'wait', 'notify', 'notifyAll'],
  },
  Event: { make: () => new Event(), exposed: ['isSet', 'set', 'clear', 'wait'] },
  Barrier: {
    make: ([parties]) => new ServedBarrier(parties),
    exposed: ['wait', 'reset', 'abort', 'parties', 'nWaiting', 'broken'],
  },
  Queue: { make: ([maxsize]) => new Queue(maxsize as number | undefined), exposed: QUEUE },
  JoinableQueue: {
    make: ([maxsize]) => new JoinableQueue(maxsize as number | undefined),
    exposed: [...QUEUE, 'taskDone', 'join'],
  },
  Value: {
    make: ([typecode, value]) => new ServedValue(typecode, value),
    exposed: ['get', 'set', 'typecode'],
  },
  Array: {
    make: ([typecode, init]) => new ServedArray(typecode, init),
    exposed: ['len', 'get', 'set', 'getSlice', 'setSlice', 'toArray', 'typecode'],
  },
};

/** The served types as registry entries: made by the server, not by a task reference. */
export function servedEntry(typeid: string): RegistryEntry | undefined {
  const served = Object.hasOwn(SERVED_TYPES, typeid) ? SERVED_TYPES[typeid] : undefined;
  return served === undefined
    ? undefined
    : {
        typeid,
        callable: null,
        exposed: served.exposed,
        methodToTypeid: served.methodToTypeid ?? null,
      };
}

/** The method a served object has for its freeing (served-pool.ts: a pool's workers stop). */
const kFree = Symbol.for('multitask.manager.free');

/** What the server does when it lets go of an object: its free method, if it has one. */
export function freeServed(target: object): Promise<void> | undefined {
  const free = (target as { [kFree]?: unknown })[kFree];
  return typeof free === 'function'
    ? (Reflect.apply(free, target, []) as Promise<void>)
    : undefined;
}
