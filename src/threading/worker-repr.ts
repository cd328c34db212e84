/**
 * The reprs of Thread and Process, Python's: `<Thread(Thread-1 (work), started 1234)>` and
 * `<Process name='Process-1' pid=1234 parent=1200 started>`.
 */
import { exitCodeName } from '../internal/repr.ts';
import { currentThreadId } from '../runtime/identity.ts';

/** What a worker's repr shows. */
export interface WorkerReprInfo {
  readonly className: string;
  readonly kind: 'thread' | 'process';
  readonly name: string;
  readonly state: 'initial' | 'started' | 'stopped' | 'current';
  readonly daemon: boolean;
  /** The thread id or pid; `null` before start. */
  readonly ident: number | null;
  readonly exitCode: number | null;
}

export function workerRepr(info: WorkerReprInfo): string {
  const current = info.state === 'current';
  const status = current ? 'started' : info.state;
  if (info.kind === 'thread') {
    const ident = current ? currentThreadId() : info.ident;
    let shown = status;
    if (info.daemon) shown += ' daemon';
    if (ident !== null) shown += ` ${ident}`;
    if (info.exitCode !== null) shown += ` exitcode=${exitCodeName(info.exitCode)}`;
    return `<${info.className}(${info.name}, ${shown})>`;
  }
  const parts = [info.className, `name=${JSON.stringify(info.name).replace(/^"|"$/g, "'")}`];
  const pid = current ? process.pid : info.ident;
  if (pid !== null) parts.push(`pid=${pid}`);
  parts.push(`parent=${current ? process.ppid : process.pid}`, status);
  if (info.exitCode !== null) parts.push(`exitcode=${exitCodeName(info.exitCode)}`);
  if (info.daemon) parts.push('daemon');
  return `<${parts.join(' ')}>`;
}
