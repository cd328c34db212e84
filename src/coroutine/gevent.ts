/**
 * The gevent-style API, gathered for `import { gevent } from 'multitask'`: `gevent.spawn`,
 * `gevent.sleep`, `gevent.joinAll`, `gevent.Greenlet`, ... Its `Event`, `Pool` and `Queue`
 * are gevent's, which wait by switching greenlets; the package's top-level `Event`, `Pool`
 * and `Queue` are the threading and multiprocessing ones. This module only re-exports.
 */
export { GreenletExit, LoopExit, Timeout } from '../errors.ts';
export { AsyncResult, Event } from './event.ts';
export { getcurrent } from './greenlet.ts';
export { Group, Pool } from './group.ts';
export { Queue, type QueueWait } from './queue.ts';
export { setErrorHandler, type ErrorHandler } from './hub.ts';
export {
  getHub,
  spawn,
  spawnLater,
  SpawnedGreenlet as Greenlet,
  type KillOptions,
  type TimeoutArgument,
} from './spawned.ts';
export {
  joinAll,
  killAll,
  sleep,
  startTimeout,
  withTimeout,
  type JoinAllOptions,
  type TimeoutScope,
} from './waits.ts';
