/**
 * The start-up scenario's target: a multitask Thread or Process that runs it ends at once.
 */
export function returnAtOnce(): void {
  // Nothing to do: the measurement is the start-up and the join around it.
}
