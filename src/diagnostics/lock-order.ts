/**
 * Lock-order checking, the upper half (the lower half is src/memory/lock-order.ts): switches
 * it on (`setLockOrderChecking(true)` or `MULTITASK_DEBUG=lockorder`) and reports an
 * inversion: on stderr, once for the whole process tree, and on the diagnostics channel
 * `multitask:lock-order`.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { assertBoolean } from '../internal/validate.ts';
import { checkLockOrder, type OrderInversion } from '../memory/lock-order.ts';
import { debugFlag, nameOf, ownName, setDebugFlag, trace } from './shared.ts';

/** What `multitask:lock-order` publishes, one message per inversion. */
export interface LockOrderMessage {
  /** The report as printed. */
  readonly report: string;
  /** The lock this owner took while holding the other, and the other. */
  readonly taking: string;
  readonly holding: string;
  /** Who takes them in the new order (this realm), and who took them the other way first. */
  readonly owner: string;
  readonly other: string;
  /**
   * The orders taken before that lead from `taking` back to `holding`, in order: one for
   * two locks, more for a longer cycle (A then B, B then C, and now C then A).
   */
  readonly chain: readonly {
    readonly owner: string;
    readonly took: string;
    readonly holding: string;
  }[];
}

/** The channel on which each lock-order inversion is published. */
export const LOCK_ORDER_CHANNEL = 'multitask:lock-order';
const channel = diagnosticsChannel.channel(LOCK_ORDER_CHANNEL);

/**
 * Switches lock-order checking on or off for the locks made from now on, in this realm and,
 * through `MULTITASK_DEBUG`, in the threads and processes it starts afterwards. Same as
 * starting the program with `MULTITASK_DEBUG=lockorder`.
 * @throws {ArgumentTypeError} for anything but a boolean.
 */
export function setLockOrderChecking(on: boolean): void {
  assertBoolean(on, 'on');
  setDebugFlag('lockorder', on ? 'lockorder' : undefined);
  trace('lock-order checking %s', on ? 'on' : 'off');
  checkLockOrder(on, on ? { nameSelf, report } : undefined);
}

function nameSelf(owner: number, owners: OrderInversion['owners']): void {
  if (owners.nameOf(owner) === '') owners.setName(owner, ownName());
}

/** Words an inversion the way it is printed. */
export function describeInversion(inversion: OrderInversion): LockOrderMessage {
  const { holding, taking, owners } = inversion;
  const owner = nameOf(inversion.owner, owners);
  const other = nameOf(inversion.other, owners);
  const chain = inversion.chain.map((link) => ({
    owner: nameOf(link.owner, owners),
    took: link.after.label,
    holding: link.before.label,
  }));
  const count = chain.length + 1;
  const report = [
    count === 2
      ? 'multitask: lock order inversion: two owners take the same two locks in opposite orders'
      : `multitask: lock order inversion: ${count} locks taken in a cycle of orders`,
    `  ${owner} takes ${taking.label} while holding ${holding.label}`,
    ...chain.map((link) => `  ${link.owner} took ${link.took} while holding ${link.holding}`),
    `  Should they do it at the same time, they deadlock: take the locks in one order everywhere.`,
  ].join('\n');
  return { report, taking: taking.label, holding: holding.label, owner, other, chain };
}

function report(inversion: OrderInversion): void {
  const message = describeInversion(inversion);
  process.stderr.write(`${message.report}\n`);
  if (channel.hasSubscribers) channel.publish(message);
}

if (debugFlag('lockorder') !== undefined) setLockOrderChecking(true);
