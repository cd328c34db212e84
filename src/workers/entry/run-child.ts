/**
 * The child side shared by threads and processes: take the identity, rebuild the target
 * or the instance, run it, report an uncaught error, then wait for the non-daemon threads
 * and processes it started, as Python's interpreter does before a process exits.
 */
import { errorToWire, type WireError } from '../../transport/wire.ts';
import { callTarget, reviveInstance, type BaseWorker, type ReviveInfo } from '../base-worker.ts';
import { joinNonDaemonChildren } from '../children.ts';
import { adoptIdentity } from '../identity.ts';
import type { RunSpec } from '../protocol.ts';

/**
 * Runs `spec` and returns the exit code: 0, 1 after an uncaught error, or what the target
 * put in `process.exitCode`.
 */
export async function runChild(
  spec: RunSpec,
  base: abstract new (...args: never[]) => BaseWorker,
  report: (error: WireError) => Promise<void>,
): Promise<number> {
  adoptIdentity(spec.identity);
  const self = spec.kind === 'thread' ? spec.identity.thread : spec.identity.process;
  let exitCode = 0;
  try {
    if (spec.instance === null) {
      await callTarget(spec.target, spec.args);
    } else {
      const info: ReviveInfo = {
        name: self.name,
        daemon: self.daemon,
        target: spec.target,
        args: spec.args,
      };
      const instance = await reviveInstance(base, spec.instance, info);
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
