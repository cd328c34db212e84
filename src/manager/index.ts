/** Managers: objects held by a server process, reached through proxies. */
export { BaseManager, type ManagerOptions, type RegisterOptions } from './manager.ts';
export { Manager } from './sync-manager.ts';
export {
  BaseProxy,
  DictProxy,
  ListProxy,
  NamespaceProxy,
  type AutoProxy,
  type DictKey,
  type SliceBound,
} from './proxies.ts';
export type { ManagerAddress, Token } from './protocol.ts';
