/**
 * The base of every proxy (proxies.ts): the object's token and its server, `callMethod()`
 * and `callMethodSync()`, and how a proxy crosses to a thread or process (as an external
 * shared kind, registered in proxies.ts).
 */
import { kSharedState, type Shareable, type SharedState } from '../memory/shared-object.ts';
import { callObject, callObjectSync, type ServerInfo } from './client.ts';
import type { Token } from './protocol.ts';
import { requestSync } from './sync-client.ts';
import { defineRepr } from '../internal/repr.ts';

/** The shared kind of proxies. */
export const PROXY_KIND = 'ManagerProxy';

export interface ProxyMeta {
  readonly server: ServerInfo;
  readonly token: Token;
}

/** Each proxy's state, made once (or the one it was rebuilt from), as other kinds keep theirs. */
const states = new WeakMap<BaseProxy, SharedState>();

/** A proxy rebuilt from `state` in this realm keeps it as its own. */
export function adoptState(proxy: BaseProxy, state: SharedState): BaseProxy {
  states.set(proxy, state);
  return proxy;
}

/** The base of every proxy: its token, and `callMethod()`. Python's `BaseProxy`. */
export class BaseProxy implements Shareable {
  /** The type and id of the object in the server. */
  readonly token: Token;
  readonly #server: ServerInfo;

  constructor(token: Token, server: ServerInfo) {
    this.token = token;
    this.#server = server;
  }

  /**
   * Calls `method` of the object in the server with `args`, as Python's `_callmethod`.
   * @throws {AttributeError} `ERR_NOT_EXPOSED` for a method the object does not expose;
   * whatever the method throws, rebuilt with its class, message and remote stack.
   * @throws {BrokerError} `ERR_MANAGER_LOST` when the server cannot be reached.
   * @throws {StateError} `ERR_MANAGER_SHUT_DOWN` after this realm shut the manager down.
   */
  callMethod(method: string, ...args: unknown[]): Promise<unknown> {
    return callObject(this.#server, this.token, method, args);
  }

  /**
   * {@link BaseProxy.callMethod}, blocking the thread until the server answers: through this
   * realm's shared-memory channel to a dict, list or namespace when it has an idle one
   * (channel-client.ts), otherwise through a helper thread that holds a connection
   * (sync-client.ts). Safe from any thread: the server is another process. The thread's
   * event loop stands still meanwhile.
   */
  callMethodSync(method: string, ...args: unknown[]): unknown {
    const local = callObjectSync(this.#server, this.token, method, args);
    if (local !== undefined) return local.value;
    return requestSync(this.#server, ['call', this.token.id, method, args]);
  }

  /** @internal How the proxy crosses to a thread or process. */
  [kSharedState](): SharedState {
    let state = states.get(this);
    if (state === undefined) {
      const meta: ProxyMeta = { server: this.#server, token: this.token };
      state = { kind: PROXY_KIND, buffers: [], meta };
      states.set(this, state);
    }
    return state;
  }

  toString(): string {
    return `<${this.constructor.name} object, typeid '${this.token.typeid}' id ${this.token.id}>`;
  }
}

defineRepr(BaseProxy);
