/**
 * Bootstrap of every child process: it ends with its parent (orphan.ts), reports an
 * uncaught error before it exits, takes the identity the parent gave, builds the channel to
 * the parent, then hands over to the payload module named in its start record.
 */
import type { Socket } from 'node:net';
import { adoptIdentity, realmName } from '../identity.ts';
import type { ChildMain, ParentChannel } from '../parent-channel.ts';
import type { ChildStart, RuntimeMessage } from '../protocol.ts';
import { takeSpecFile } from '../spec-file.ts';
import { exitWithParent, ORPHANED_EXIT_CODE } from './orphan.ts';

/** Sends `message`; `then` runs once it is written. A failed write means the parent died. */
function send(message: unknown, then?: () => void): void {
  if (process.send === undefined) {
    then?.();
    return;
  }
  // With 'advanced' serialization the message is cloned now: an uncloneable one throws here.
  process.send(message, undefined, undefined, (error: Error | null) => {
    if (error === null) then?.();
    else process.exit(ORPHANED_EXIT_CODE);
  });
}

// Arguments: how the parent names itself (orphan.ts), then the spec file, or the payload a
// spare loads (`spare:<url>`) and the modules it preloads, or nothing when the start record
// comes with a socket.
const [parent, startArgument, ...preload] = process.argv.slice(2);
exitWithParent(parent);

// Errors outside the payload's care (a timer's callback, an unhandled rejection) end the
// process as Python's would: reported, exit code 1.
// The wire's codec is loaded only then: most children never need it.
function crash(error: unknown): void {
  void import('../../transport/wire.ts').then(({ errorToWire }) => {
    const crashed: RuntimeMessage = { type: 'runtime.crashed', error: errorToWire(error) };
    send(crashed, () => process.exit(1));
  });
}
process.on('uncaughtException', crash);
// SIGINT (Process#interrupt(), Ctrl-C) ends the child as Python's KeyboardInterrupt does:
// exit code 1, the error reported. A program's own SIGINT listener takes it over; with no
// listener at all (ours removed), Node's default ends the process with -2, as Python's
// SIG_DFL does.
process.on('SIGINT', () => {
  if (process.listenerCount('SIGINT') > 1) return;
  // The error catalogue is loaded only then: a child's start does without it.
  void import('../../errors.ts').then(({ KeyboardInterrupt }) => {
    crash(new KeyboardInterrupt('ERR_KEYBOARD_INTERRUPT', 'interrupted by SIGINT'));
  });
});

const exiting: RuntimeMessage = { type: 'runtime.exiting' };

const channel: ParentChannel<unknown, unknown> = {
  post(message) {
    send(message);
  },
  listen(listener) {
    process.on('message', listener);
  },
  awaitMessage: null,
  exit(exitCode) {
    // IPC writes go out in order: once this one is written, so is everything before it.
    send(exiting, () => process.exit(exitCode));
  },
};

async function run(start: ChildStart, handle?: Socket): Promise<void> {
  adoptIdentity(start.identity);
  // All-asleep detection sees only realms with an owner id: this one takes its id, and names
  // itself, before its target runs (the owner table is loaded only then).
  if (/(^|,)(asleep|top)\b/.test(process.env.MULTITASK_DEBUG ?? '')) {
    const { currentOwnerId, ownerTable } = await import('../../memory/owners.ts');
    ownerTable().setName(currentOwnerId(), realmName());
    if (start.standIn !== undefined) ownerTable().release(start.standIn);
  }
  const { main } = (await import(start.payload)) as { main: ChildMain };
  await main(channel, start.data, handle);
}

const SPARE = 'spare:';

if (startArgument === undefined || startArgument.startsWith(SPARE)) {
  // The start record comes over IPC: with a socket, or to a spare (process-launcher.ts).
  // Messages that arrive before a 'message' listener exists are dropped, so the parent
  // waits for 'runtime.ready' before it sends it. A spare loads its payload first, so that
  // a start finds it ready to run.
  process.once('message', (message: RuntimeMessage, handle?: Socket) => {
    if (message.type === 'runtime.start') void run(message.start, handle);
  });
  const ready: RuntimeMessage = { type: 'runtime.ready' };
  if (startArgument === undefined) send(ready);
  else {
    // A module that fails here is left for the start to import (and report) again.
    const loading = [startArgument.slice(SPARE.length), ...preload].map((module) =>
      import(module).catch(() => undefined),
    );
    void Promise.all(loading).then(() => {
      send(ready);
    });
  }
} else void run(takeSpecFile(startArgument));
