/**
 * Every scenario, in the numbering. The runner and the child processes both find
 * scenarios (and their contenders) here.
 */
import type { Scenario } from '../lib/types.ts';
import { tinyTasks } from './01-tiny-tasks.ts';
import { roundTrip } from './02-round-trip.ts';
import { cpuSpeedup } from './03-cpu-speedup.ts';
import { coursePrimes } from './04-course-primes.ts';
import { queueThroughput } from './05-queue.ts';
import { lock } from './06-lock.ts';
import { lockHandoff } from './06b-lock-handoff.ts';
import { startup } from './07-startup.ts';
import { recovery } from './08-recovery.ts';
import { subprocessScenario } from './09-subprocess.ts';
import { greenlets } from './10-greenlet.ts';
import { sharedCounter } from './11-shared-counter.ts';
import { lazyMap } from './12-lazy-map.ts';
import { managerScenario } from './13-manager.ts';
import { distributed } from './14-distributed.ts';
import { httpStatic } from './15-http.ts';

export const scenarios: readonly Scenario[] = [
  tinyTasks,
  roundTrip,
  cpuSpeedup,
  coursePrimes,
  queueThroughput,
  lock,
  lockHandoff,
  startup,
  recovery,
  subprocessScenario,
  greenlets,
  sharedCounter,
  lazyMap,
  managerScenario,
  distributed,
  httpStatic,
];
