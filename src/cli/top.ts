/**
 * `multitask top PID`: the live view of another multitask program's pools, threads and
 * processes, read from the stats socket it serves (`MULTITASK_DEBUG=top`, or
 * `serveStats()`): redrawn in place on a terminal, plain lines otherwise.
 */
import { Command, integer, onRun, type CommandIO } from '../internal/command-line.ts';
import { StatsClient } from '../diagnostics/stats-server.ts';
import { runTop } from '../diagnostics/top.ts';
import { StateError } from '../errors.ts';

interface TopFlags {
  readonly interval: number;
  readonly count?: number | undefined;
}

/** The `top` command. */
export function topProgram(io: CommandIO): Command {
  const command = new Command('top')
    .summary("show a running multitask program's workers and tasks, live")
    .description(
      'Shows the pools (each worker: state, tasks done and failed, utilization, the task it ' +
        'runs; the totals), threads and processes of the multitask program PID, refreshed ' +
        'every interval. The program must serve its stats: start it with MULTITASK_DEBUG=top, ' +
        'or call serveStats() in it.',
    )
    .argument('<PID>', "the program's process id", integer(1, 2 ** 31 - 1))
    .option('--interval <MS>', 'milliseconds between refreshes', integer(50, 3_600_000), 1000)
    .option(
      '-n, --count <N>',
      'stop after N refreshes (default: until the program exits)',
      integer(1, 1e9),
    )
    .addHelpText(
      'after',
      `
On a terminal the view is redrawn in place; piped, each refresh is printed as plain lines.
Exit codes: 0 after N refreshes, or once the program exits; 1 when PID serves no stats.`,
    );
  return onRun(command, async (self) => {
    const [pid] = self.processedArgs as [number];
    const flags = self.opts<TopFlags>();
    let client: StatsClient;
    try {
      client = await StatsClient.connect(pid);
    } catch (error) {
      if (!(error instanceof StateError)) throw error;
      io.err(`multitask top: ${error.message}`);
      return 1;
    }
    try {
      await runTop({
        read: () => client.read(),
        intervalMs: flags.interval,
        count: flags.count ?? Infinity,
        terminal: process.stdout.isTTY ? process.stdout : null,
        write: io.out,
      });
    } catch (error) {
      // The program exited: the view ends with it.
      if (!(error instanceof StateError)) throw error;
    } finally {
      client.close();
    }
    return 0;
  });
}
