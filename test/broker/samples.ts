/**
 * One fresh object of every kind of shared object the library registers, for the tests that
 * must cover them all (test/broker/). A kind missing here fails those tests, by name.
 */
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  JoinableQueue,
  LifoQueue,
  Lock,
  Pipe,
  PriorityQueue,
  Queue,
  RLock,
  Semaphore,
  SharedArray,
  ShareableList,
  SharedMemory,
  sharedMemoryBackend,
  SimpleQueue,
  Value,
} from '../../src/index.ts';
import type { Shareable } from '../../src/memory/shared-object.ts';
import { makeProxy } from '../../src/manager/proxies.ts';

/** A new object of each kind, by kind name (the name it is registered under). */
export const samples: Readonly<Record<string, () => Shareable>> = {
  Lock: () => new Lock(),
  // Inert until called: its server would hold the dict.
  ManagerProxy: () =>
    makeProxy(
      { typeid: 'dict', id: 1, exposed: null },
      { address: '/nonexistent/manager.sock', authkey: new Uint8Array([1]) },
    ),
  RLock: () => new RLock(),
  Semaphore: () => new Semaphore(1),
  BoundedSemaphore: () => new BoundedSemaphore(1),
  Event: () => new Event(),
  Condition: () => new Condition(),
  Barrier: () => new Barrier(1),
  Value: () => new Value('i', 0),
  SharedArray: () => new SharedArray('d', 3),
  Queue: () => new Queue(),
  LifoQueue: () => new LifoQueue(),
  PriorityQueue: () => new PriorityQueue(),
  JoinableQueue: () => new JoinableQueue(),
  SimpleQueue: () => new SimpleQueue(),
  Connection: () => Pipe()[0],
  // Registered only with the addon (without it no SharedMemory can be made). Segments made
  // here are unlinked when the test process exits, as any a process leaves.
  ...(sharedMemoryBackend() === 'native'
    ? {
        SharedMemory: () => new SharedMemory({ create: true, size: 8 }),
        ShareableList: () => new ShareableList([1, 'ab']),
      }
    : {}),
};

/**
 * Kinds whose objects live in no shared memory, so that a state cannot lose any and the
 * broker has nothing to serve: a Manager's proxy (its own server holds the object; the state
 * is the server's address and the object's token).
 */
export const MEMORYLESS_KINDS: ReadonlySet<string> = new Set(['ManagerProxy']);

/** The samples of the kinds that live in shared memory, which the broker serves. */
export const memorySamples: Readonly<Record<string, () => Shareable>> = Object.fromEntries(
  Object.entries(samples).filter(([kind]) => !MEMORYLESS_KINDS.has(kind)),
);
