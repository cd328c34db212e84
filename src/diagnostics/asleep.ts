/**
 * All-asleep detection: the upper half (the lower half, src/memory/sleep-watch.ts, publishes
 * in the owner table how each member sleeps), after Go's "all goroutines are asleep".
 *
 * The members are the live owners of the owner table: this process's main thread and
 * threads, and, with the native addon, every process of the tree (a process takes its owner
 * id as it starts, while the check is on). A member sleeps while it waits, without a
 * deadline, in a multitask wait, and cannot run anything else meanwhile: a blocking wait, or
 * an awaited one while its event loop holds nothing else (no timer, socket, server, pending
 * request or wait with a deadline). When every member sleeps, nothing can wake any of them:
 * a wake needs a waker that runs.
 *
 * A sleeper that has waited `afterMs` looks at every member before each of its sleeps. Once
 * it has seen them all asleep, it waits until each of them has woken, found its wait unmet
 * and slept again in the same wait (each sleep is counted in the table): then none of them
 * ran in between, and the lowest-numbered member that watches reports it, once: on stderr
 * and on the `multitask:deadlock` channel. It warns and throws nothing: the check cannot see
 * every way a program could still be woken (a message from a worker or a pipe that is not
 * multitask's), and an error thrown into a wait that could still end would break a program
 * that works.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { ArgumentRangeError } from '../errors.ts';
import {
  currentOwnerId,
  ownerTable,
  type OwnerTable,
  type PublishedSleep,
} from '../memory/owners.ts';
import { watchSleeps, type WatchedSleep } from '../memory/sleep-watch.ts';
import { DEADLOCK_CHANNEL } from './deadlock.ts';
import { debugFlag, nameOf, ownName, setDebugFlag, trace } from './shared.ts';

/** One member of an all-asleep report. */
export interface AsleepMember {
  readonly name: string;
  /** What it waits on: `Event.wait()`, `Lock "ledger"`, `Queue.get()`, … */
  readonly waitsOn: string;
  /** Where it waits: its first frames outside multitask. */
  readonly stack: string;
}

/** What `multitask:deadlock` publishes when every member sleeps. */
export interface AsleepMessage {
  readonly kind: 'asleep';
  /** The report as printed. */
  readonly report: string;
  /** Every member, in owner id order. */
  readonly members: readonly AsleepMember[];
}

export interface AsleepDetectionOptions {
  /** How long a sleeper waits before it looks at the other members, in ms. Default 1000. */
  readonly afterMs?: number;
}

const channel = diagnosticsChannel.channel(DEADLOCK_CHANNEL);
const DEFAULT_AFTER_MS = 1000;

let afterMs = DEFAULT_AFTER_MS;
/** The members and their sleeps when this realm first saw them all asleep. */
let seen: { readonly key: string; readonly rounds: readonly number[] } | undefined;
/** The sleeps reported by this realm. */
const reported = new Set<string>();

/**
 * Switches all-asleep detection on (`options` given) or off (`false`) in this realm and,
 * through `MULTITASK_DEBUG`, in the threads and processes it starts afterwards. Same as
 * starting the program with `MULTITASK_DEBUG=asleep` (or `asleep:500`).
 * @throws {ArgumentRangeError} for an `afterMs` that is not a finite number >= 0.
 */
export function setAsleepDetection(options: AsleepDetectionOptions | false): void {
  if (options === false) {
    watchSleeps(false, undefined);
    setDebugFlag('asleep', undefined);
    return;
  }
  const after = options.afterMs ?? DEFAULT_AFTER_MS;
  if (typeof after !== 'number' || !Number.isFinite(after) || after < 0) {
    throw new ArgumentRangeError(
      `Expected \`afterMs\` to be a finite number >= 0, got ${String(after)}`,
    );
  }
  afterMs = after;
  trace('all-asleep detection on: after %d ms', after);
  setDebugFlag('asleep', `asleep:${after}`);
  watchSleeps(true, checkAllAsleep);
  // A member from now on, by name, even before its first wait: a realm without an owner id
  // is not seen, and one that runs must be (the broker thread, owner 0, is no member).
  const owner = currentOwnerId();
  const owners = ownerTable();
  if (owner !== 0 && owners.nameOf(owner) === '') owners.setName(owner, ownName());
}

function checkAllAsleep(sleep: WatchedSleep): void {
  const { owner, owners } = sleep;
  if (performance.now() - sleep.since < afterMs) return;
  const members = owners.liveOwners();
  const sleeps: PublishedSleep[] = [];
  for (const id of members) {
    const each = owners.sleepOf(id);
    if (each === null) {
      seen = undefined;
      return;
    }
    sleeps.push(each);
  }
  const key = members.map((id, i) => `${id}:${String(sleeps[i]?.wait)}`).join(' ');
  const rounds = sleeps.map((each) => each.rounds);
  if (seen?.key !== key) {
    seen = { key, rounds };
    trace('all asleep? %d members, to be confirmed', members.length);
    return;
  }
  // Confirmed once every member has slept again since: none of them ran in between.
  if (!rounds.every((count, i) => count > (seen?.rounds[i] ?? Infinity))) return;
  const reporter = Math.min(...members.filter((id) => owners.nameOf(id) !== ''));
  if (owner !== reporter || reported.has(key)) return;
  reported.add(key);
  const message = describe(members, sleeps, owners);
  process.stderr.write(`${message.report}\n`);
  if (channel.hasSubscribers) channel.publish(message);
}

function describe(
  members: readonly number[],
  sleeps: readonly PublishedSleep[],
  owners: OwnerTable,
): AsleepMessage {
  const described = members.map((id, i): AsleepMember => {
    const sleep = sleeps[i] as PublishedSleep;
    return { name: nameOf(id, owners), waitsOn: sleep.label, stack: sleep.stack };
  });
  const count = members.length;
  const lines = [
    `multitask: all asleep: ${count === 1 ? 'the only member waits' : `all ${count} members wait`}, and nothing can wake them`,
  ];
  for (const { name, waitsOn, stack } of described) {
    lines.push(`  ${name} waits on ${waitsOn}`);
    for (const frame of stack === '' ? [] : stack.split('\n')) lines.push(`      ${frame}`);
  }
  return { kind: 'asleep', report: lines.join('\n'), members: described };
}

/** Reads `asleep[:afterMs]` from `MULTITASK_DEBUG`, as every realm does on loading. */
function fromEnvironment(): void {
  const flag = debugFlag('asleep');
  if (flag === undefined) return;
  const [, after] = flag.split(':');
  setAsleepDetection({ afterMs: after === undefined ? DEFAULT_AFTER_MS : Number(after) });
}

fromEnvironment();
