/** The proxy of a Manager's namespace: every method async, and its blocking `Sync` twin. */
import { BaseProxy } from './base-proxy.ts';

/** A proxy for a Namespace held by a Manager: attributes read and written by name. */
export class NamespaceProxy extends BaseProxy {
  /** `ns.name`: an `AttributeError` `ERR_NO_ATTRIBUTE` if it has none such. */
  get(name: string): Promise<unknown> {
    return this.callMethod('get', name);
  }

  /** {@link get}, blocking the thread until the server answers. */
  getSync(name: string): unknown {
    return this.callMethodSync('get', name);
  }
  /** `ns.name = value`. */
  async set(name: string, value: unknown): Promise<void> {
    await this.callMethod('set', name, value);
  }

  /** {@link set}, blocking the thread until the server answers. */
  setSync(name: string, value: unknown): void {
    this.callMethodSync('set', name, value);
  }
  /** `del ns.name`. */
  async delete(name: string): Promise<void> {
    await this.callMethod('delete', name);
  }

  /** {@link delete}, blocking the thread until the server answers. */
  deleteSync(name: string): void {
    this.callMethodSync('delete', name);
  }
  has(name: string): Promise<boolean> {
    return this.callMethod('has', name) as Promise<boolean>;
  }

  /** {@link has}, blocking the thread until the server answers. */
  hasSync(name: string): boolean {
    return this.callMethodSync('has', name) as boolean;
  }
  /** `vars(ns)`: every attribute, as a plain object. */
  toObject(): Promise<Record<string, unknown>> {
    return this.callMethod('toObject') as Promise<Record<string, unknown>>;
  }

  /** {@link toObject}, blocking the thread until the server answers. */
  toObjectSync(): Record<string, unknown> {
    return this.callMethodSync('toObject') as Record<string, unknown>;
  }
}
