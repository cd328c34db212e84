/** The synchronization primitives. */
export { AcquirableBase, type AcquireOptions, type Guard } from './acquirable.ts';
export { Barrier, type BarrierOptions } from './barrier.ts';
export { Condition, CONDITION_CAPACITY } from './condition.ts';
export { Event } from './event.ts';
export { Lock } from './lock.ts';
export type { LockOptions } from './lock-base.ts';
export { RLock } from './rlock.ts';
export { BoundedSemaphore, Semaphore } from './semaphore.ts';
export type { WaitOptions } from '../internal/wait-options.ts';
