/**
 * Entry point of a process-pool worker: says it listens, takes its `init`, then runs
 * batches until told to stop. A worker whose parent dies exits too.
 */
import { errorToWire } from '../../transport/wire.ts';
// Registers every kind of shared object, so that arguments can be rebuilt.
import '../../runtime/kinds.ts';
import { adoptIdentity } from '../../runtime/identity.ts';
import type { FromWorker, ToWorker } from '../protocol.ts';
import { exitWithParent, ORPHANED_EXIT_CODE } from '../../runtime/entry/orphan.ts';
import { WorkerLoop } from './worker-loop.ts';

function send(message: FromWorker, then?: () => void): void {
  // With 'advanced' serialization the message is cloned now: an uncloneable one throws here.
  process.send?.(message, undefined, undefined, (error: Error | null) => {
    if (error === null) then?.();
    else process.exit(ORPHANED_EXIT_CODE);
  });
}

exitWithParent();

// An error outside any task (a timer's callback) ends the worker; the pool is told why.
process.on('uncaughtException', (error) => {
  send({ type: 'crashed', error: errorToWire(error) }, () => process.exit(1));
});

let loop: WorkerLoop | undefined;
process.on('message', (message: ToWorker) => {
  if (message.type !== 'init') {
    loop?.receive(message);
    return;
  }
  const { init } = message;
  adoptIdentity(init.identity);
  loop = new WorkerLoop(
    {
      post: (out) => {
        send(out);
      },
      poll: null,
      exit: (code) => {
        // The callback runs once everything before it is written.
        send({ type: 'results', results: [] }, () => process.exit(code));
      },
    },
    init,
  );
  void loop.initialize(init);
});
send({ type: 'listening' });
