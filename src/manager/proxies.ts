/**
 * Proxies: objects that stand for an object a Manager's server holds, and forward each
 * method call to it (Python's `BaseProxy`, `DictProxy`, `ListProxy`, `NamespaceProxy` and
 * `AutoProxy`). Every method is async: the call goes to another process.
 *
 * A proxy crosses to a thread or process in `args` like a shared object: it is registered
 * as an external shared kind, whose envelope carries the server's address and key and the
 * object's token, and the receiving realm opens its own connection (client.ts). A proxy
 * inside a value sent to the server (a list put in a dict) crosses as its token, and comes
 * back as a proxy (nested proxies).
 */
import { registerExternalSharedKind, type LocalState } from '../memory/shared-object.ts';
import { adoptState, BaseProxy, PROXY_KIND, type ProxyMeta } from './base-proxy.ts';
import { setProxyFactory, type ServerInfo } from './client.ts';
import { DictProxy } from './dict-proxy.ts';
import { ListProxy } from './list-proxy.ts';
import { NamespaceProxy } from './namespace-proxy.ts';
import { POOL_PROXY_TYPES } from './pool-proxy.ts';
import type { Token } from './protocol.ts';
import {
  AcquirerProxy,
  ArrayProxy,
  BarrierProxy,
  ConditionProxy,
  EventProxy,
  QueueProxy,
  ValueProxy,
} from './sync-proxies.ts';
import { countReference } from './refs.ts';

export { BaseProxy } from './base-proxy.ts';
export { DictProxy, type DictKey } from './dict-proxy.ts';
export { ListProxy, type ListSortOptions, type SliceBound } from './list-proxy.ts';
export { NamespaceProxy } from './namespace-proxy.ts';
export { AsyncResultProxy, PoolProxy } from './pool-proxy.ts';
export {
  AcquirerProxy,
  ArrayProxy,
  BarrierProxy,
  ConditionProxy,
  EventProxy,
  QueueProxy,
  ValueProxy,
  type ServedAcquireOptions,
  type ServedQueueOptions,
} from './sync-proxies.ts';

/**
 * A proxy for an object of a registered type, with one async method per name the server
 * exposes, as Python's `AutoProxy`, and its blocking twin `nameSync` (see
 * {@link BaseProxy.callMethodSync}: safe from any thread, as the server is another process,
 * except for a call that waits for something only the calling thread would do, such as
 * a lock it holds itself). Other names are `undefined` on it.
 */
export type AutoProxy<T = Record<string, unknown>> = BaseProxy & {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
} & {
  readonly [K in keyof T as K extends string ? `${K}Sync` : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Awaited<R>
    : never;
};

function autoProxy(token: Token, server: ServerInfo): BaseProxy {
  const base = new BaseProxy(token, server);
  for (const name of token.exposed ?? []) {
    // callMethod, token, toString stay the proxy's own.
    if (!(name in base)) {
      Object.defineProperty(base, name, {
        value: (...args: unknown[]) => base.callMethod(name, ...args),
        enumerable: true,
      });
    }
    const sync = `${name}Sync`;
    if (!(sync in base)) {
      Object.defineProperty(base, sync, {
        value: (...args: unknown[]) => base.callMethodSync(name, ...args),
        enumerable: true,
      });
    }
  }
  return base;
}

/** The proxy class of each built-in type id. */
const PROXY_TYPES: Record<string, new (token: Token, server: ServerInfo) => BaseProxy> = {
  dict: DictProxy,
  list: ListProxy,
  Namespace: NamespaceProxy,
  Lock: AcquirerProxy,
  RLock: AcquirerProxy,
  Semaphore: AcquirerProxy,
  BoundedSemaphore: AcquirerProxy,
  Condition: ConditionProxy,
  Event: EventProxy,
  Barrier: BarrierProxy,
  Queue: QueueProxy,
  JoinableQueue: QueueProxy,
  Value: ValueProxy,
  Array: ArrayProxy,
  ...POOL_PROXY_TYPES,
};

/** The proxy for `token` of the manager at `server`, counted as a reference (refs.ts). */
export function makeProxy(token: Token, server: ServerInfo): BaseProxy {
  const Class = Object.hasOwn(PROXY_TYPES, token.typeid) ? PROXY_TYPES[token.typeid] : undefined;
  const proxy = Class === undefined ? autoProxy(token, server) : new Class(token, server);
  countReference(proxy, token, server);
  return proxy;
}

setProxyFactory(makeProxy, (value): value is BaseProxy => value instanceof BaseProxy);

/** A proxy's core: no methods of its own (a symbol key, so the method table is empty). */
const kMeta: unique symbol = Symbol('multitask.proxyMeta');
interface ProxyCore {
  readonly [kMeta]: ProxyMeta;
}

registerExternalSharedKind<ProxyCore>(
  PROXY_KIND,
  {
    localCore: (state: LocalState) => ({ [kMeta]: state.meta as ProxyMeta }),
    wrap: (state, core) => adoptState(makeProxy(core[kMeta].token, core[kMeta].server), state),
    methods: {},
    toProcess: (state) => state,
  },
  import.meta.url,
);
