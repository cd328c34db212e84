/**
 * Entry point of every Process: waits for the run message, runs it, and exits. A child
 * whose parent dies exits too, so that nothing is left orphaned.
 */
import type { Socket } from 'node:net';
import { errorToWire, type WireError } from '../../transport/wire.ts';
import type { ChildMessage, ParentMessage, RunSpec } from '../../runtime/protocol.ts';
import { takeSpecFile } from '../../runtime/spec-file.ts';
import { Process } from '../process.ts';
import { exitWithParent } from '../../runtime/entry/orphan.ts';
import { runChild } from './run-child.ts';

function send(error: WireError): Promise<void> {
  const message: ChildMessage = { type: 'uncaught', error };
  return new Promise((resolve) => {
    // The callback runs once the message is written, so exit() cannot cut it off; an
    // error means the parent is gone and nobody is listening anyway.
    const sent = process.send?.(message, undefined, undefined, () => {
      resolve();
    });
    if (sent === undefined) resolve();
  });
}

exitWithParent();

// Errors outside the target (a timer's callback, an unhandled rejection) end the process
// as Python's would: reported, exit code 1.
process.on('uncaughtException', (error) => {
  void send(errorToWire(error)).finally(() => process.exit(1));
});

function run(spec: RunSpec, socket?: Socket): void {
  void runChild(spec, Process, send, socket).then((exitCode) => {
    process.exit(exitCode);
  });
}

const specFile = process.argv[2];
if (specFile === undefined) {
  // A socket comes with the run message. Messages that arrive before a 'message' listener
  // exists are dropped, so the parent waits for 'ready' before it sends it.
  process.once('message', (message: ParentMessage, socket?: Socket) => {
    run(message.spec, socket);
  });
}
if (specFile === undefined) {
  const ready: ChildMessage = { type: 'ready' };
  process.send?.(ready);
} else run(takeSpecFile(specFile));
