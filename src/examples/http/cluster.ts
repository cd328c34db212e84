/**
 * The HTTP server's process model: N processes (`node:cluster`) share the listening
 * socket, each serving with its own event loop (`worker-main.ts`), so static files use
 * every core. The primary only forks, relays the access log and stops them: on close, each
 * child stops accepting and lets its responses finish (up to the shutdown deadline), then
 * exits; a child that outlives the deadline is killed. A child that dies while serving is
 * replaced. If the primary itself dies, its children see the IPC channel close and exit
 * (cluster's own rule), so no process is left behind.
 *
 * On Linux the primary accepts the connections and hands them out in turn (cluster's
 * round-robin policy), which spreads keep-alive clients evenly over the children.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { HttpServer, ServerSettings } from './server.ts';

/** What a child tells the primary. */
export type ChildMessage =
  | { readonly kind: 'listening'; readonly port: number }
  | { readonly kind: 'log'; readonly line: string }
  | { readonly kind: 'closed' }
  | { readonly kind: 'error'; readonly message: string; readonly code?: string };

/** What the primary tells a child. */
export interface PrimaryMessage {
  readonly kind: 'close';
}

/** The environment variable that carries a child's settings (JSON). */
export const SETTINGS_VARIABLE = 'MULTITASK_HTTP_SETTINGS';

/** Extra time a child gets past the shutdown deadline before it is killed. */
const KILL_GRACE_MS = 5000;

/** Starts `settings.processes` children serving `settings.root`; resolves once all listen. */
export async function startProcesses(settings: ServerSettings): Promise<HttpServer> {
  const fromSource = import.meta.url.endsWith('.ts');
  cluster.setupPrimary({
    exec: fileURLToPath(
      new URL(fromSource ? './worker-main.ts' : './worker-main.js', import.meta.url),
    ),
    // From the TypeScript sources (tests), the children load them the same way.
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    args: [],
  });
  const { log, ...shared } = settings;
  const env = { [SETTINGS_VARIABLE]: JSON.stringify({ ...shared, log: log !== undefined }) };
  const children = new Set<Worker>();
  let closing = false;
  let port = settings.port;

  const fork = (): Promise<Worker> => {
    const child = cluster.fork(env);
    children.add(child);
    return new Promise((resolve, reject) => {
      child.on('message', (message: ChildMessage) => {
        if (message.kind === 'log') log?.(message.line);
        else if (message.kind === 'listening') {
          port = message.port;
          resolve(child);
        } else if (message.kind === 'error') {
          reject(Object.assign(new Error(message.message), { code: message.code }));
        }
      });
      child.once('exit', (code, signal) => {
        children.delete(child);
        reject(
          new Error(
            `A server process exited before listening (exit code ${code}, signal ${signal})`,
          ),
        );
        // Serving goes on with a new process in its place.
        if (!closing) void fork().catch(() => undefined);
      });
    });
  };

  const stop = async (): Promise<void> => {
    closing = true;
    const exits = [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.process.exitCode !== null || child.process.signalCode !== null) {
            resolve();
            return;
          }
          child.process.once('exit', () => {
            resolve();
          });
          const kill = setTimeout(
            () => child.process.kill('SIGKILL'),
            settings.shutdownTimeoutMs + KILL_GRACE_MS,
          );
          child.process.once('exit', () => {
            clearTimeout(kill);
          });
          if (child.isConnected()) child.send({ kind: 'close' } satisfies PrimaryMessage);
          else child.process.kill('SIGKILL');
        }),
    );
    await Promise.all(exits);
  };

  // The first child picks the port (port 0); the others share the same socket.
  try {
    await fork();
    await Promise.all(Array.from({ length: settings.processes - 1 }, fork));
  } catch (error) {
    await stop();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    host: settings.host,
    port,
    model: 'process',
    get pids() {
      return [...children].map((child) => child.process.pid ?? 0);
    },
    workers: settings.workers,
    close() {
      closed ??= stop();
      return closed;
    },
  };
}
