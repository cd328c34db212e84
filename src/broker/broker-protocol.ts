/**
 * What a child realm and a broker say to each other over the broker's socket.
 */
import type { WireError } from '../transport/wire.ts';

/** A call of one method of one object's core. */
export interface CallRequest {
  readonly type: 'call';
  readonly seq: number;
  readonly id: number;
  /** The method's number: its index in the kind's method table (see core-methods.ts). */
  readonly method: number;
  readonly args: readonly unknown[];
}

/** Asks the broker to abort a call that is still waiting (its caller's signal aborted). */
export interface CancelRequest {
  readonly type: 'cancel';
  readonly seq: number;
}

/**
 * The first message on a realm's socket: the named pipes its blocking calls will use. The
 * broker serves both channels under one owner id.
 */
export interface HelloRequest {
  readonly type: 'hello';
  readonly fifo: { readonly requests: string; readonly replies: string };
}

export type BrokerRequest = CallRequest | CancelRequest | HelloRequest;

/** Written into a realm's reply pipe by its own helper thread when the broker is gone. */
export interface LostReply {
  readonly lost: string;
}

export type BrokerReply =
  | { readonly seq: number; readonly ok: true; readonly value: unknown }
  | {
      readonly seq: number;
      readonly ok: false;
      readonly error: WireError;
      /** The call ended because its caller cancelled it (its signal aborted). */
      readonly aborted?: boolean;
    };
