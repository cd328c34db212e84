/**
 * workerpool's worker: registers the shared tasks by name.
 */
import workerpool from 'workerpool';
import { die, inc, sumPrimes } from './tasks.ts';

workerpool.worker({ inc, sumPrimes, die });
