/**
 * The child side shared by threads and processes: take the identity, rebuild the target
 * or the instance, run it, report an uncaught error, then wait for the non-daemon threads
 * and processes it started, as Python's interpreter does before a process exits.
 */
import type { Socket } from 'node:net';
import { errorToWire, type WireError } from '../../transport/wire.ts';
import { reviveInstance, type BaseWorker, type ReviveInfo } from '../base-worker.ts';
import { callTarget } from '../../runtime/target.ts';
import { adoptOwner } from '../../memory/owners.ts';
import { decodeShared } from '../../memory/shared-object.ts';
// Registers every kind of shared object, so that arguments can be rebuilt.
import '../../runtime/kinds.ts';
import { joinNonDaemonChildren } from '../children.ts';
import { adoptIdentity } from '../../runtime/identity.ts';
import type { RunSpec } from '../../runtime/protocol.ts';
import { putSocket } from '../../runtime/socket-handle.ts';

/**
 * Runs `spec` and returns the exit code: 0, 1 after an uncaught error, or what the target
 * put in `process.exitCode`. A process's `socket` (the run message's send-handle) takes the
 * place the parent left for it in `args` (socket-handle.ts).
 */
export async function runChild(
  spec: RunSpec,
  base: abstract new (...args: never[]) => BaseWorker,
  report: (error: WireError) => Promise<void>,
  socket?: Socket,
): Promise<number> {
  adoptIdentity(spec.identity);
  if (spec.owner !== null) adoptOwner(spec.owner.table, spec.owner.id);
  const args = decodeShared(spec.args) as unknown[];
  const state =
    spec.instance === null ? null : (decodeShared(spec.instance.state) as Record<string, unknown>);
  const self = spec.kind === 'thread' ? spec.identity.thread : spec.identity.process;
  let exitCode = 0;
  try {
    if (spec.kind === 'process') putSocket(args, socket);
    if (spec.instance === null || state === null) {
      await callTarget(spec.target, args);
    } else {
      const info: ReviveInfo = {
        name: self.name,
        daemon: self.daemon,
        target: spec.target,
        args,
      };
      const instance = await reviveInstance(base, { ...spec.instance, state }, info);
      await instance.run();
    }
  } catch (error) {
    exitCode = 1;
    await report(errorToWire(error));
  }
  await joinNonDaemonChildren();
  // A target may also set process.exitCode and return, as a Node program would.
  if (exitCode === 0 && process.exitCode !== undefined) exitCode = Number(process.exitCode);
  return exitCode;
}
