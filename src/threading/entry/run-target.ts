/**
 * The payload of every Thread and Process (see runtime/entry/): rebuild the target or the
 * instance, run it, report an uncaught error, then wait for the non-daemon threads and
 * processes it started, as Python's interpreter does before it exits, and end.
 */
import type { Socket } from 'node:net';
import type { kRebuild } from '../../internal/symbols.ts';
import { currentProcessIdentity, currentThreadIdentity } from '../../runtime/identity.ts';
import type { ParentChannel } from '../../runtime/parent-channel.ts';
import type { ChildMessage, RunSpec } from '../../runtime/protocol.ts';
import { putSocket } from '../../runtime/socket-slot.ts';
import { callTarget } from '../../runtime/target-call.ts';
import type { BaseWorker } from '../base-worker.ts';
import type { ReviveInfo } from '../worker-options.ts';
import { joinNonDaemonChildren } from '../children.ts';

/** A registered subclass of Thread or Process, as the child finds it (base-worker.ts). */
interface Rebuildable {
  [kRebuild](info: ReviveInfo, state: Record<string, unknown>): BaseWorker;
}

/**
 * Runs the {@link RunSpec} in `data` and ends with its exit code: 0, 1 after an uncaught
 * error, or what the target put in `process.exitCode`. A process's `socket` (the start
 * message's send-handle) takes the place the parent left for it in `args` (socket-handle.ts).
 */
export async function main(
  channel: ParentChannel<never, ChildMessage>,
  data: unknown,
  socket: Socket | undefined,
): Promise<void> {
  const spec = data as RunSpec;
  // A child of a program that checks for deadlocks or lock order checks too, whether or not
  // its target's module loads multitask's index (a task module may import types only). By
  // URL: diagnostics sits above this layer, and costs nothing to load when not asked for.
  if (/(^|,)(deadlock|lockorder)\b/.test(process.env.MULTITASK_DEBUG ?? '')) {
    const { siblingModule } = await import('../../internal/loader-hooks.ts');
    await import(siblingModule(import.meta.url, '../../diagnostics/index').href);
  }
  let args = spec.args as unknown[];
  let state: Record<string, unknown> | null = null;
  // What a child needs only for what it received is loaded only then: most children receive
  // plain arguments, and each module loaded costs a start.
  if (spec.shared) {
    const { decodeShared, importSharedKinds } = await import('../../memory/shared-object.ts');
    // Only the kinds of shared object this child received: loading them all costs more than
    // the rest of a start. Kinds above the runtime (a Manager's proxies) name their modules
    // in their envelopes.
    await Promise.all(spec.kindModules.map((module) => import(module)));
    await importSharedKinds(spec.args);
    args = decodeShared(spec.args) as unknown[];
    if (spec.instance !== null) {
      state = decodeShared(spec.instance.state) as Record<string, unknown>;
    }
  }
  let exitCode = 0;
  try {
    // Static: a dynamic import here cost every process's start a module load (about a
    // millisecond, half a spare's hand-off), and the module loads nothing.
    if (spec.kind === 'process') await putSocket(args, socket);
    if (spec.instance === null || state === null) {
      await callTarget(spec.target, args);
    } else {
      const self = spec.kind === 'thread' ? currentThreadIdentity() : currentProcessIdentity();
      const info: ReviveInfo = {
        name: self.name,
        daemon: self.daemon,
        target: spec.target,
        args,
      };
      const [{ loadClass }, symbols] = await Promise.all([
        import('../../runtime/class-registry.ts'),
        import('../../internal/symbols.ts'),
      ]);
      const cls = await loadClass(spec.instance.module, spec.instance.className);
      await (cls as Rebuildable)[symbols.kRebuild](info, state).run();
    }
  } catch (error) {
    exitCode = 1;
    // Loaded only now: most children never need it.
    const { errorToWire } = await import('../../transport/wire.ts');
    channel.post({ type: 'uncaught', error: errorToWire(error) });
  }
  await joinNonDaemonChildren();
  // A target may also set process.exitCode and return, as a Node program would.
  if (exitCode === 0 && process.exitCode !== undefined) exitCode = Number(process.exitCode);
  // Python's thread ends when run() returns, whatever timers or sockets it left behind.
  channel.exit(exitCode);
}
