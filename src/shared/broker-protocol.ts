/**
 * What a child realm and a broker say to each other over the broker's socket.
 */
import type { WireError } from '../transport/wire.ts';

/** A call of one method of one object's core. */
export interface CallRequest {
  readonly type: 'call';
  readonly seq: number;
  readonly id: number;
  readonly method: string;
  readonly args: readonly unknown[];
}

/** Asks the broker to abort a call that is still waiting (its caller's signal aborted). */
export interface CancelRequest {
  readonly type: 'cancel';
  readonly seq: number;
}

export type BrokerRequest = CallRequest | CancelRequest;

export type BrokerReply =
  | { readonly seq: number; readonly ok: true; readonly value: unknown }
  | { readonly seq: number; readonly ok: false; readonly error: WireError };
