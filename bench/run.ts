/**
 * The benchmark runner: `npm run bench [-- --quick] [-- --only <scenario>]`.
 *
 * For each scenario, every available contender runs once per round in a fresh child
 * process (node, or python3 for the CPython rows), in the same order every round
 * (A B C A B C …). The runner prints one table per scenario and writes the results as JSON
 * and Markdown under bench/results/.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { detectEnvironment, loadNow, type Environment } from './lib/environment.ts';
import { benchFile, projectRoot, pythonDir } from './lib/paths.ts';
import { writeReport } from './lib/report.ts';
import { aggregate, type ScenarioResult } from './lib/results.ts';
import { killRunningChild, runChild, type ChildCommand, type ChildOutcome } from './lib/spawn.ts';
import { renderText, scenarioNumber } from './lib/table.ts';
import { nowMs } from './lib/timing.ts';
import type { Contender, Mode, Params, Requirement, Scenario } from './lib/types.ts';
import { scenarios } from './scenarios/index.ts';

const USAGE = `Usage: npm run bench -- [options]

Options:
  --quick            Fewer rounds and smaller inputs (under 2 minutes here).
  --only <names>     Run only these scenarios (comma-separated): a number (1, 6b),
                     a name (tiny-tasks) or both (01-tiny-tasks).
  --rounds <n>       Override every scenario's number of rounds.
  --no-python        Skip the CPython rows.
  --list             List the scenarios and their contenders, and exit.
  -h, --help         Show this help.

Results go to bench/results/latest.{json,md} (full run), quick.* (--quick)
or partial.* (--only).`;

interface Options {
  readonly mode: Mode;
  readonly only: string | null;
  readonly rounds: number | undefined;
  readonly python: boolean;
  readonly list: boolean;
}

function parseOptions(argv: readonly string[]): Options | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      'no-python': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  let rounds: number | undefined;
  if (values.rounds !== undefined) {
    rounds = Number(values.rounds);
    if (!Number.isSafeInteger(rounds) || rounds < 1) {
      throw new Error(`Expected --rounds to be an integer from 1 and up, got \`${values.rounds}\``);
    }
  }
  return {
    mode: values.quick ? 'quick' : 'full',
    only: values.only ?? null,
    rounds,
    python: !values['no-python'],
    list: values.list,
  };
}

function matches(scenario: Scenario, name: string): boolean {
  const prefix = scenario.id.split('-')[0] ?? scenario.id;
  const short = scenario.id.slice(prefix.length + 1);
  return [scenario.id, prefix, scenarioNumber(scenario.id), short].includes(name.trim());
}

function selectScenarios(only: string | null): Scenario[] {
  if (only === null) return [...scenarios];
  const names = only.split(',').filter((name) => name.trim() !== '');
  const unknown = names.filter((name) => !scenarios.some((s) => matches(s, name)));
  if (unknown.length > 0) {
    const known = scenarios.map((s) => s.id).join(', ');
    throw new Error(`Unknown scenario \`${unknown.join('`, `')}\`; the scenarios are ${known}`);
  }
  return scenarios.filter((scenario) => names.some((name) => matches(scenario, name)));
}

/** Why a multitask requirement is not met, or `undefined` when it is. */
function unmet(requirement: Requirement, env: Environment): string | undefined {
  const exports = env.multitaskExports;
  if (exports instanceof Error) return `multitask's dist/ cannot be loaded (${exports.message})`;
  const missing = requirement.exports.filter((name) => !exports.has(name));
  return missing.length === 0 ? undefined : `not available yet (issue ${requirement.issue})`;
}

interface Plan {
  readonly runnable: Contender[];
  readonly messages: string[];
}

function plan(scenario: Scenario, env: Environment): Plan {
  const runnable: Contender[] = [];
  const messages: string[] = [];
  let pythonNoted = false;
  for (const contender of scenario.contenders) {
    switch (contender.kind) {
      case 'node': {
        const why = contender.requires === undefined ? undefined : unmet(contender.requires, env);
        if (why === undefined) runnable.push(contender);
        else messages.push(`${contender.label}: ${why}`);
        break;
      }
      case 'python':
        if (env.python !== null) runnable.push(contender);
        else if (!pythonNoted) {
          pythonNoted = true;
          messages.push(`CPython rows skipped: ${env.pythonMissing ?? 'python3 is not available'}`);
        }
        break;
      case 'planned': {
        const why = unmet(contender.requires, env);
        messages.push(
          `${contender.label}: ${
            why ??
            `has landed (issue ${contender.requires.issue}) but its bench contender is not ` +
              `written yet (bench/scenarios/${scenario.id}.ts)`
          }`,
        );
        break;
      }
    }
  }
  return { runnable, messages };
}

function command(
  scenario: Scenario,
  contender: Contender,
  params: Params,
  env: Environment,
): ChildCommand {
  const timeoutMs = scenario.timeoutMs(params);
  const json = JSON.stringify(params);
  if (contender.kind === 'python') {
    if (env.python === null) throw new Error('python3 is not available');
    return {
      command: env.python.command,
      args: [join(pythonDir, contender.script), scenario.id, contender.id, json],
      cwd: projectRoot,
      timeoutMs,
    };
  }
  return {
    command: process.execPath,
    args: [benchFile('child'), scenario.id, contender.id, json],
    cwd: projectRoot,
    timeoutMs,
  };
}

async function runScenario(
  scenario: Scenario,
  options: Options,
  env: Environment,
): Promise<ScenarioResult> {
  const started = nowMs();
  const loadAtStart = loadNow();
  const params = scenario.params(options.mode);
  const rounds = options.rounds ?? scenario.rounds[options.mode];
  const { runnable, messages } = plan(scenario, env);
  process.stderr.write(
    `\n▸ ${scenarioNumber(scenario.id)}. ${scenario.title}: ${runnable.length} contenders × ${rounds} rounds\n`,
  );
  const outcomes = new Map<string, ChildOutcome[]>(runnable.map((c) => [c.id, []]));
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(`  round ${round}/${rounds}:`);
    for (const contender of runnable) {
      const outcome = await runChild(command(scenario, contender, params, env));
      outcomes.get(contender.id)?.push(outcome);
      const seconds = (outcome.ms / 1000).toFixed(1);
      process.stderr.write(` ${contender.id} ${seconds}s${outcome.ok ? '' : ' (failed)'}`);
    }
    process.stderr.write('\n');
  }
  return aggregate({
    scenario,
    params,
    rounds,
    seconds: (nowMs() - started) / 1000,
    loadAtStart,
    outcomes,
    messages,
  });
}

function listScenarios(): string {
  return scenarios
    .map((scenario) => {
      const contenders = scenario.contenders
        .map((c) => `${c.id}${c.kind === 'planned' ? ' (planned)' : ''}`)
        .join(', ');
      return `${scenario.id}  ${scenario.title}\n    ${contenders}`;
    })
    .join('\n');
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  if (options.list) {
    console.log(listScenarios());
    return 0;
  }
  const selected = selectScenarios(options.only);
  const started = nowMs();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killRunningChild();
      process.exit(130);
    });
  }
  const packages = [
    ...new Set(scenarios.flatMap((s) => s.contenders.flatMap((c) => c.packages ?? []))),
  ];
  const env = await detectEnvironment({ python: options.python, packages });
  const versions = Object.entries(env.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  console.log(
    `multitask benchmarks (${options.mode}): Node ${env.node}, ` +
      `${env.python === null ? 'no python3' : `CPython ${env.python.version}`}, ` +
      `${env.machine.cpus} × ${env.machine.cpu}, load average ${env.loadAtStart}\n${versions}`,
  );
  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    const result = await runScenario(scenario, options, env);
    results.push(result);
    console.log(`\n${renderText(result)}`);
  }
  const wallSeconds = Math.round((nowMs() - started) / 100) / 10;
  const files = writeReport({
    mode: options.mode,
    only: options.only,
    wallSeconds,
    loadAtEnd: loadNow(),
    environment: env,
    scenarios: results,
  });
  console.log(`\nWrote ${files.join(' and ')}; wall time ${wallSeconds} s.`);
  const failed = results.some((result) => result.rows.some((row) => row.errors.length > 0));
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  },
);
