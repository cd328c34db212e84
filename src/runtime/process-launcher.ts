/**
 * Starting a child on a new Node process (Python's "spawn" start method: the child starts
 * fresh and imports what it runs): the parent's side of a process's IPC channel.
 *
 * The start record goes in a file the child reads as it starts (spec-file.ts), so starting
 * does not wait for the child to listen, unless a socket must ride along: only the IPC
 * channel carries one, after the child says it listens (`runtime.ready`).
 */
import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import { isMainThread } from 'node:worker_threads';
import { WorkerStartError } from '../errors.ts';
import { siblingModule } from '../internal/loader-hooks.ts';
import { errorFromWire } from '../transport/wire.ts';
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

/** Starts `options.payload` in a new child process. */
export function launchProcess<In, Out>(
  options: LaunchOptions,
  events: ChildEvents<Out>,
): Child<In> {
  const start: ChildStart = {
    payload: options.payload.href,
    identity: options.identity,
    data: options.data,
  };
  let handle = options.handle ?? null;
  const specFile = handle === null ? writeSpecFile(start) : null;
  const parent = parentArgument(process.pid, isMainThread);
  const child = fork(BOOTSTRAP, specFile === null ? [parent] : [parent, specFile], {
    execArgv: childExecArgv(),
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exitCode = 1;
  let crash: unknown;
  let reported = false;
  const report = (): void => {
    if (reported) return;
    reported = true;
    events.exit(exitCode, crash);
  };
  // Payload messages share the channel: anything not the runtime's goes to the payload.
  child.on('message', (message: RuntimeMessage) => {
    switch (message.type) {
      case 'runtime.ready': {
        const socket = handle;
        handle = null;
        if (socket === null) break;
        // The socket rides along as the send-handle; Node takes its handle away from this
        // side and closes it once the child has its own. Without `server`, Node does not
        // enlist the child as one of the server's workers (cluster-style bookkeeping that
        // expects the child to live on: with every such child gone, `server.close()` never
        // emits 'close'). Destroying the emptied Socket then counts the connection as
        // closed on its server, once, and makes it read as closed here.
        (socket as unknown as { server: unknown }).server = null;
        const run: RuntimeMessage = { type: 'runtime.start', start };
        child.send(run, socket, () => socket.destroy());
        break;
      }
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
  }
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
  };
}
