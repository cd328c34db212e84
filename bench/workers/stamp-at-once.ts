/**
 * A raw Worker's or forked process's whole program in the start-up scenario: it notes the
 * time it was reached, in ms on the system's monotonic clock, in the file named by its
 * `workerData` (a thread) or its first argument (a process), and ends.
 */
import { writeFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

const reached = Number(process.hrtime.bigint()) / 1e6;
writeFileSync(String(workerData ?? process.argv[2]), String(reached));
