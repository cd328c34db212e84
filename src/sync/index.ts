/**
 * The synchronization primitives. Importing this module registers every kind of shared
 * object, so that a worker can rebuild the ones it receives.
 */
export { AcquirableBase, type AcquireOptions, type Guard } from './acquirable.ts';
export { Barrier, type BarrierOptions } from './barrier.ts';
export { Condition, CONDITION_CAPACITY } from './condition.ts';
export { Event } from './event.ts';
export { Lock } from './lock.ts';
export { RLock } from './rlock.ts';
export { BoundedSemaphore, Semaphore } from './semaphore.ts';
export type { WaitOptions } from './wait-options.ts';
export { Value } from '../shared/value.ts';
export { SharedArray } from '../shared/shared-array.ts';
// The queues register their kinds too: every worker entry and the broker import this module.
export * from '../queue/index.ts';
