/**
 * The synchronization objects, queues, values and pools a Manager's server makes for its
 * clients (`manager.served.Lock()`, or `create('Lock')`), as Python's `SyncManager` serves
 * them: the object lives in the server process, and each method call is a request. A client
 * on the manager's own machine may take the native shared objects instead (faster: no server
 * in the way, `manager.Lock()`); these are for clients elsewhere, or where shared memory
 * cannot be had.
 *
 * A method that waits (a lock's `acquire`, an event's `wait`, a queue's `get`) returns a
 * promise in the server: the server keeps serving its other clients meanwhile. RLock and
 * Condition are owned per client thread: their proxies name their realm (served-sync.ts).
 */
import { ArgumentTypeError } from '../errors.ts';
import { Event } from '../sync/event.ts';
import { Lock } from '../sync/lock.ts';
import { BoundedSemaphore, Semaphore } from '../sync/semaphore.ts';
import { JoinableQueue } from '../queue/joinable-queue.ts';
import { Queue } from '../queue/queue.ts';
import type { RegistryEntry } from './protocol.ts';
import { ServedIterator, ServedPool } from './served-pool.ts';
import { ServedBarrier, ServedCondition, ServedRLock } from './served-sync.ts';
import { ServedArray, ServedValue } from './served-values.ts';

const QUEUE = ['put', 'get', 'putNowait', 'getNowait', 'qsize', 'empty', 'full'];
const ACQUIRER = ['acquire', 'release'];
const POOL = [
  'apply',
  'applyAsync',
  'map',
  'mapAsync',
  'starmap',
  'starmapAsync',
  'imap',
  'imapUnordered',
  'close',
  'terminate',
  'join',
  'processes',
];

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
  Pool: {
    make: ([options]) => new ServedPool(options),
    exposed: POOL,
    methodToTypeid: {
      applyAsync: 'AsyncResult',
      mapAsync: 'AsyncResult',
      starmapAsync: 'AsyncResult',
      imap: 'Iterator',
      imapUnordered: 'Iterator',
    },
  },
  // Made by a pool's methods only (their `make` refuses a client's `create`).
  AsyncResult: {
    make: () => {
      throw notMadeByClients('AsyncResult');
    },
    exposed: ['ready', 'successful', 'wait', 'get'],
  },
  Iterator: {
    make: () => {
      throw notMadeByClients('Iterator');
    },
    exposed: ['next', 'close'],
  },
};

function notMadeByClients(typeid: string): Error {
  return new ArgumentTypeError(
    `a served ${typeid} is made by a pool's methods, not by create()`,
    'ERR_INVALID_ARG_VALUE',
  );
}

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

/** What the server does when it lets go of a served object: a pool's workers are stopped. */
export function freeServed(target: object): Promise<void> | undefined {
  if (target instanceof ServedPool) return target.terminate();
  if (target instanceof ServedIterator) return target.close();
  return undefined;
}
