/**
 * poolifier's worker: the shared tasks as named task functions.
 */
import { ThreadWorker } from 'poolifier';
import { type DeathNote, die, inc, type PrimeRange, sumPrimes } from './tasks.ts';

export default new ThreadWorker<unknown, unknown>({
  inc: (x) => inc(x as number),
  sumPrimes: (range) => sumPrimes(range as PrimeRange),
  die: (note) => die(note as DeathNote),
});
