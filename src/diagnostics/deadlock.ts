/**
 * Deadlock detection: the upper half (the lower half, src/memory/wait-watch.ts, publishes
 * what each lock waiter waits for in the owner table that every thread and process reads).
 *
 * A waiter that has waited longer than `afterMs` walks the wait-for graph before each of its
 * sleeps: its lock's word names the holder, the holder's published wait names the holder of
 * the lock it waits for, and so on. When the walk comes back to the waiter, and the next
 * walk (one sleep later, after every member re-read its own lock word) finds the same cycle,
 * the cycle is reported: `warn` prints it to stderr once, `throw` raises a `DeadlockError`
 * from this waiter's `acquire()`, which breaks the cycle.
 */
import { DeadlockError } from '../errors.ts';
import { ArgumentRangeError, ArgumentTypeError } from '../errors.ts';
import { holderOf } from '../memory/lock-word.ts';
import { currentOwnerId, type OwnerTable } from '../memory/owners.ts';
import { watchWaits, type ContendedWait } from '../memory/wait-watch.ts';
import diagnosticsChannel from 'node:diagnostics_channel';
import { debugFlag, nameOf, ownName, setDebugFlag, trace } from './shared.ts';

/** What `multitask:deadlock` publishes, one message per confirmed cycle. */
export interface DeadlockMessage {
  /** A cycle (an all-asleep report, on the same channel, is an `AsleepMessage`). */
  readonly kind: 'cycle';
  /** The report as printed (or thrown). */
  readonly report: string;
  /** The members, in wait-for order, by name. */
  readonly members: readonly string[];
  readonly mode: DeadlockMode;
}

/** The channel on which the member that reports a cycle publishes it. */
export const DEADLOCK_CHANNEL = 'multitask:deadlock';
const channel = diagnosticsChannel.channel(DEADLOCK_CHANNEL);

/** What a confirmed cycle does. */
export type DeadlockMode = 'warn' | 'throw';

export interface DeadlockDetectionOptions {
  /** `'warn'` prints the report to stderr; `'throw'` raises a DeadlockError. Default `'warn'`. */
  readonly mode?: DeadlockMode;
  /** How long a waiter waits before it looks for a cycle, in ms. Default 1000. */
  readonly afterMs?: number;
}

const DEFAULT_AFTER_MS = 1000;
/** A walk longer than this is not followed further (a cycle has at most as many members). */
const MAX_MEMBERS = 64;

let mode: DeadlockMode = 'warn';
let afterMs = DEFAULT_AFTER_MS;
/** The cycle each wait found on its previous walk, confirmed when the next finds it again. */
const previous = new WeakMap<ContendedWait, string>();
/** Cycles reported by `warn` in this realm. */
const reported = new Set<string>();

/**
 * Switches deadlock detection on (`options` given) or off (`false`) in this realm and, through
 * `MULTITASK_DEBUG`, in the threads and processes it starts afterwards. Same as starting the
 * program with `MULTITASK_DEBUG=deadlock` (or `deadlock:throw`, `deadlock:warn:500`).
 * @throws {ArgumentTypeError} for a mode other than `'warn'` or `'throw'`.
 * @throws {ArgumentRangeError} for an `afterMs` that is not a finite number >= 0.
 */
export function setDeadlockDetection(options: DeadlockDetectionOptions | false): void {
  if (options === false) {
    watchWaits(false, undefined);
    setDebugFlag('deadlock', undefined);
    return;
  }
  const chosen: string = options.mode ?? 'warn';
  if (chosen !== 'warn' && chosen !== 'throw') {
    throw new ArgumentTypeError(
      `Expected \`mode\` to be 'warn' or 'throw', got ${JSON.stringify(chosen)}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  const after = options.afterMs ?? DEFAULT_AFTER_MS;
  if (typeof after !== 'number' || !Number.isFinite(after) || after < 0) {
    throw new ArgumentRangeError(
      `Expected \`afterMs\` to be a finite number >= 0, got ${String(after)}`,
    );
  }
  mode = chosen;
  afterMs = after;
  trace('deadlock detection on: %s after %d ms', chosen, after);
  setDebugFlag('deadlock', `deadlock:${chosen}:${after}`);
  watchWaits(true, checkForCycle);
}

/** Reads `deadlock[:mode[:afterMs]]` from `MULTITASK_DEBUG`, as every realm does on loading. */
function fromEnvironment(): void {
  const flag = debugFlag('deadlock');
  if (flag === undefined) return;
  const [, chosen, after] = flag.split(':');
  setDeadlockDetection({
    mode: chosen === undefined || chosen === '' ? 'warn' : (chosen as DeadlockMode),
    afterMs: after === undefined ? DEFAULT_AFTER_MS : Number(after),
  });
}

function checkForCycle(wait: ContendedWait): void {
  const { owner, owners } = wait;
  // A wait the broker runs for a child process is not this realm's: it has no name here.
  if (owner === currentOwnerId() && owners.nameOf(owner) === '') owners.setName(owner, ownName());
  if (performance.now() - wait.since < afterMs) return;
  const members = cycleFrom(wait);
  const key = members?.join(' ') ?? '';
  const confirmed = key !== '' && previous.get(wait) === key;
  previous.set(wait, key);
  if (members === null || !confirmed) {
    if (members !== null) trace('deadlock: a cycle of %d, to be confirmed', members.length);
    return;
  }
  // One member reports (and breaks) the cycle, the same one whoever looks: the lowest owner
  // id among the members that can (those that detect, which named themselves).
  const reporter = Math.min(...members.filter((id) => owners.nameOf(id) !== ''));
  if (owner !== reporter) return;
  const report = describe(members, owners);
  if (mode === 'warn' && reported.has(key)) return;
  if (channel.hasSubscribers) {
    const names = members.map((id) => nameOf(id, owners));
    channel.publish({ kind: 'cycle', report, members: names, mode } satisfies DeadlockMessage);
  }
  if (mode === 'warn') {
    process.stderr.write(`${report}\n`);
    reported.add(key);
    return;
  }
  throw new DeadlockError(`${report}\nBroken here: ${nameOf(owner, owners)} gives up its wait.`);
}

/** The owners of the cycle that starts at `wait`'s owner, in wait-for order; null if none. */
function cycleFrom(wait: ContendedWait): number[] | null {
  const { owner, owners } = wait;
  const members = [owner];
  let holder = holderOf(Atomics.load(wait.cells, wait.index));
  while (holder !== owner) {
    if (holder === 0 || members.includes(holder) || members.length > MAX_MEMBERS) return null;
    const next = owners.waitOf(holder);
    if (next === null) return null;
    members.push(holder);
    holder = next.holder;
  }
  return members;
}

function describe(members: readonly number[], owners: OwnerTable): string {
  const lines = members.map((id, i) => {
    const next = members[(i + 1) % members.length] ?? id;
    const label = owners.waitOf(id)?.label ?? '';
    const lock = label === '' ? 'a lock' : label;
    return `  ${nameOf(id, owners)} waits for ${lock}, held by ${nameOf(next, owners)}`;
  });
  return [`multitask: deadlock: ${members.length} members wait for each other`, ...lines].join(
    '\n',
  );
}

fromEnvironment();
