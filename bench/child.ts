/**
 * One contender, one round, in a fresh process: `node child.js <scenario> <contender> <params>`.
 * Prints the measurement as one marked JSON line, then exits at once: a pool that would
 * keep the process alive (or hang in its shutdown) must not hold up the run.
 */
import { RESULT_MARKER } from './lib/protocol.ts';
import type { Params } from './lib/types.ts';
import { scenarios } from './scenarios/index.ts';

async function main(): Promise<void> {
  const [scenarioId, contenderId, paramsJson] = process.argv.slice(2);
  const scenario = scenarios.find((candidate) => candidate.id === scenarioId);
  if (scenario === undefined) throw new Error(`Unknown scenario \`${scenarioId ?? ''}\``);
  const contender = scenario.contenders.find((candidate) => candidate.id === contenderId);
  if (contender?.kind !== 'node') {
    throw new Error(`Scenario ${scenario.id} has no Node contender \`${contenderId ?? ''}\``);
  }
  const params = JSON.parse(paramsJson ?? '{}') as Params;
  const measurement = await contender.measure(params);
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(measurement)}\n`, () => {
    process.exit(0);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
