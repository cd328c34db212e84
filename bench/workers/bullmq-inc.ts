/**
 * Scenario 14's BullMQ processor file for a sandboxed `Worker` (`useWorkerThreads: true`):
 * BullMQ loads its default export in each of its worker threads and runs every job there.
 */
export default function inc(job: { readonly data: number }): number {
  return job.data + 1;
}
