/**
 * A child process of the HTTP server's process model (see `cluster.ts`): serves with the
 * event model on the socket the cluster shares, sends its access log to the primary, and
 * closes gracefully when the primary says so. Signals are left to the primary (Ctrl-C
 * reaches every process of the terminal's group; the primary decides when children stop).
 */
import cluster from 'node:cluster';
import { SETTINGS_VARIABLE, type ChildMessage, type PrimaryMessage } from './cluster.ts';
import { startHttpServer, type ServerSettings } from './server.ts';

function tell(message: ChildMessage, then?: () => void): void {
  process.send?.(message, undefined, {}, () => then?.());
}

if (cluster.isWorker) {
  const { log, ...settings } = JSON.parse(process.env[SETTINGS_VARIABLE] ?? '{}') as Omit<
    ServerSettings,
    'log'
  > & { log: boolean };
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  try {
    const server = await startHttpServer({
      ...settings,
      model: 'event',
      ...(log
        ? {
            log: (line: string) => {
              tell({ kind: 'log', line });
            },
          }
        : {}),
    });
    process.on('message', (_message: PrimaryMessage) => {
      void server.close().then(() => {
        // Exits once the last log line is through the channel.
        tell({ kind: 'closed' }, () => process.exit(0));
      });
    });
    tell({ kind: 'listening', port: server.port });
  } catch (error) {
    const code =
      error instanceof Error && 'code' in error && typeof error.code === 'string'
        ? error.code
        : undefined;
    tell(
      {
        kind: 'error',
        message: error instanceof Error ? error.message : String(error),
        ...(code === undefined ? {} : { code }),
      },
      () => process.exit(1),
    );
  }
}
