/** Managers: objects held by a server process, reached through proxies. */
export { BaseManager, type ManagerOptions, type RegisterOptions } from './manager.ts';
export { Manager } from './sync-manager.ts';
export { ServedObjects, type ServedPoolOptions } from './served-factory.ts';
export {
  AcquirerProxy,
  ArrayProxy,
  AsyncResultProxy,
  BarrierProxy,
  ConditionProxy,
  EventProxy,
  PoolProxy,
  QueueProxy,
  ValueProxy,
  type ServedAcquireOptions,
  type ServedQueueOptions,
  BaseProxy,
  DictProxy,
  ListProxy,
  NamespaceProxy,
  type AutoProxy,
  type DictKey,
  type ListSortOptions,
  type SliceBound,
} from './proxies.ts';
export type { ManagerAddress, Token } from './protocol.ts';
