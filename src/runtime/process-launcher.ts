/**
 * Starting a child on a new Node process (Python's "spawn" start method: the child starts
 * fresh and imports what it runs): the parent's side of a process's IPC channel.
 *
 * The start record goes in a file the child reads as it starts (spec-file.ts), so starting
 * does not wait for the child to listen, unless a socket must ride along: only the IPC
 * channel carries one, after the child says it listens (`runtime.ready`).
 *
 * Spares (Python's forkserver, which hands out a process that is already running): a spare
 * is forked ahead of time, loads its payload, says `runtime.ready` and waits; a launch takes
 * one and sends it the start record over IPC. Idle spares keep nothing alive and are killed
 * when this process exits (and die with it when it is killed: entry/orphan.ts).
 */
import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import { isMainThread } from 'node:worker_threads';
import { WorkerStartError } from '../errors.ts';
import { siblingModule } from '../internal/loader-hooks.ts';
import { ownerTable } from '../memory/owners.ts';
import { watchingSleeps } from '../memory/sleep-watch.ts';
import { errorFromWire } from '../transport/wire.ts';
import { assertNotBootstrapping } from './bootstrap.ts';
import type { Child, ChildEvents, LaunchOptions, StopHow } from './child.ts';
import { childExecArgv, exitCodeOf, parentArgument } from './exec.ts';
import type { ChildStart, RuntimeMessage } from './protocol.ts';
import { discardSpecFile, writeSpecFile } from './spec-file.ts';

const BOOTSTRAP = siblingModule(import.meta.url, './entry/process-main');

const STOP_SIGNALS = {
  terminate: 'SIGTERM',
  kill: 'SIGKILL',
  interrupt: 'SIGINT',
} as const satisfies Record<StopHow, NodeJS.Signals>;

/** Daemon children still running: stopped when this process exits, as Python does. */
const daemonChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function stopDaemonsAtExit(child: ChildProcess): void {
  daemonChildren.add(child);
  child.once('exit', () => daemonChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const daemon of daemonChildren) daemon.kill('SIGTERM');
  });
}

/** Forks the bootstrap; `rest`: the spec file, or a spare's payload and preload modules. */
function forkBootstrap(rest: readonly string[]): ChildProcess {
  return fork(BOOTSTRAP, [parentArgument(process.pid, isMainThread), ...rest], {
    execArgv: childExecArgv(),
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** A spare process, and when it has said `runtime.ready` (its payload loaded). */
interface SpareProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** Whether `runtime.ready` has come (then the launch sends the start record at once). */
  readonly isReady: () => boolean;
  /** Takes its listeners off, for the launch that takes it. */
  readonly detach: () => void;
}

/** Idle spares by payload URL, oldest first. */
const spares = new Map<string, SpareProcess[]>();
let sparesExitHookInstalled = false;

function spareList(payload: string): SpareProcess[] {
  let list = spares.get(payload);
  if (list === undefined) {
    list = [];
    spares.set(payload, list);
  }
  return list;
}

function forkSpare(payload: string, preload: readonly string[]): SpareProcess {
  const child = forkBootstrap([`spare:${payload}`, ...preload]);
  const list = spareList(payload);
  const drop = (): void => {
    const at = list.findIndex((spare) => spare.child === child);
    if (at !== -1) list.splice(at, 1);
  };
  // A spare that ends before it is taken (killed, or its payload failed to load) is dropped;
  // one that cannot even start, too ('error' without a pid).
  child.once('exit', drop);
  child.once('error', drop);
  let onMessage: (message: RuntimeMessage) => void = () => undefined;
  let isReady = false;
  const ready = new Promise<void>((resolve) => {
    onMessage = (message) => {
      if (message.type !== 'runtime.ready') return;
      isReady = true;
      resolve();
    };
    child.once('exit', () => {
      resolve();
    });
    child.on('message', onMessage);
  });
  // Alive until ready, for whoever awaits prestart(); idle after that, it keeps nothing alive.
  void ready.then(() => {
    if (!list.includes(spare)) return;
    child.unref();
    child.channel?.unref();
  });
  if (!sparesExitHookInstalled) {
    sparesExitHookInstalled = true;
    process.once('exit', () => {
      for (const list of spares.values()) for (const spare of list) spare.child.kill('SIGKILL');
    });
  }
  const spare: SpareProcess = {
    child,
    ready,
    isReady: () => isReady,
    detach: () => {
      child.off('exit', drop);
      child.off('error', drop);
      child.off('message', onMessage);
    },
  };
  return spare;
}

/**
 * Keeps `count` spare processes for `payload` (forks the missing ones, which also import
 * the `preload` modules, and stops the ones over), and resolves once each has loaded its
 * payload.
 */
export async function prestartProcesses(
  payload: URL,
  count: number,
  preload: readonly string[] = [],
): Promise<void> {
  if (count > 0) assertNotBootstrapping('process');
  const list = spareList(payload.href);
  while (list.length > count) list.pop()?.child.kill('SIGKILL');
  while (list.length < count) list.push(forkSpare(payload.href, preload));
  await Promise.all(list.map((spare) => spare.ready));
}

/** Starts `options.payload` in a new child process, or in a spare one. */
export function launchProcess<In, Out>(
  options: LaunchOptions,
  events: ChildEvents<Out>,
): Child<In> {
  assertNotBootstrapping('process');
  // All-asleep detection counts the process from now on, not from when it has booted: until
  // it takes its own owner id, one of this process's stands in for it (and never sleeps).
  const standIn = watchingSleeps() ? ownerTable().allocate() : undefined;
  const start: ChildStart = {
    payload: options.payload.href,
    identity: options.identity,
    data: options.data,
    ...(standIn === undefined ? {} : { standIn }),
  };
  const dropStandIn = (): void => {
    if (standIn !== undefined) ownerTable().release(standIn);
  };
  let handle = options.handle ?? null;
  const spare = spares.get(start.payload)?.shift() ?? null;
  spare?.detach();
  const specFile = handle === null && spare === null ? writeSpecFile(start) : null;
  const child = spare?.child ?? forkBootstrap(specFile === null ? [] : [specFile]);
  let exitCode = 1;
  let crash: unknown;
  let reported = false;
  const report = (): void => {
    if (reported) return;
    reported = true;
    events.exit(exitCode, crash);
  };
  /** Sends the start record over IPC (no spec file): to a spare, or with a socket. */
  const sendStart = (): void => {
    const run: RuntimeMessage = { type: 'runtime.start', start };
    const socket = handle;
    handle = null;
    if (socket === null) {
      child.send(run);
      return;
    }
    // The socket rides along as the send-handle; Node takes its handle away from this
    // side and closes it once the child has its own. Without `server`, Node does not
    // enlist the child as one of the server's workers (cluster-style bookkeeping that
    // expects the child to live on: with every such child gone, `server.close()` never
    // emits 'close'). Destroying the emptied Socket then counts the connection as
    // closed on its server, once, and makes it read as closed here.
    (socket as unknown as { server: unknown }).server = null;
    child.send(run, socket, () => socket.destroy());
  };
  // Payload messages share the channel: anything not the runtime's goes to the payload.
  child.on('message', (message: RuntimeMessage) => {
    switch (message.type) {
      case 'runtime.ready':
        if (specFile === null) sendStart();
        break;
      case 'runtime.crashed':
        crash = errorFromWire(message.error);
        break;
      case 'runtime.exiting':
      case 'runtime.start': // parent to child only
        break;
      default:
        // Typed `never` here only because the listener's type names the runtime's messages
        // alone: whatever else comes is the payload's.
        events.message(message);
    }
  });
  child.on('exit', (code, signal) => {
    dropStandIn();
    exitCode = exitCodeOf(code, signal);
    if (specFile !== null) discardSpecFile(specFile);
    // Stopped before it listened: the socket it was to receive is closed here.
    handle?.destroy();
    handle = null;
  });
  // 'close' comes after 'exit' and after the IPC channel has delivered everything, so every
  // message and the crash are known before the exit is reported.
  child.on('close', report);
  child.on('error', (error) => {
    if (child.pid !== undefined) return;
    // The process never started: there will be no 'exit' or 'close'.
    dropStandIn();
    if (specFile !== null) discardSpecFile(specFile);
    handle?.destroy();
    handle = null;
    crash = new WorkerStartError(
      'ERR_WORKER_START_FAILED',
      `Could not start ${options.name}: ${error.message}`,
      { cause: error },
    );
    report();
  });
  const keepAlive = (on: boolean): void => {
    if (on) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  };
  if (options.daemon) {
    keepAlive(false);
    stopDaemonsAtExit(child);
  } else if (spare !== null) keepAlive(true);
  if (spare?.isReady() === true) sendStart();
  return {
    ident: child.pid ?? -1,
    post(message) {
      child.send(message as Serializable);
    },
    stop(how) {
      child.kill(STOP_SIGNALS[how]);
    },
    keepAlive,
    awaitMessage: null,
    owner: null,
  };
}
