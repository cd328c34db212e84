/**
 * `multitask primes [--n N]`: the course's prime-sum timing on the command line (what
 * `npm start` runs).
 */
import { Command, integer, onRun, type CommandIO } from '../../internal/command-line.ts';
import type { ProgressStream } from '../progress.ts';
import { DEFAULT_N, main } from './main.ts';

/** The options of `multitask primes`, parsed. */
export interface PrimesFlags {
  /** Sum the primes below this. */
  readonly n: number;
}

/**
 * The `primes` command: its options and help; its action prints the table of times, each
 * row's progress shown on `progress`.
 */
export function primesProgram(io: CommandIO, progress: ProgressStream | null): Command {
  const command = new Command('primes')
    .summary('time the sum of the primes below N, serially and in parallel')
    .description(
      'Sums the primes below N serially, with 4 and 10 threads, with 4 and 10 processes, ' +
        "and with a ThreadPool and a Pool over 64 chunks, showing each run's progress, " +
        'and prints the times and speedups.',
    )
    .option(
      '--n <N>',
      'sum the primes below N; underscores may group digits (20_000_000)',
      integer(2),
      DEFAULT_N,
    );
  return onRun(command, async (self) => {
    await main(self.opts<PrimesFlags>().n, io.out, progress);
    return 0;
  });
}
