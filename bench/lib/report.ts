/**
 * The results files: one JSON document and one Markdown page per run, in a fixed layout
 * (fixed key order, numbers to four significant digits, two-space indentation, a final
 * newline) so that a committed result diffs line by line.
 *
 * The full run writes latest.json/latest.md; `--quick` writes quick.*, and `--only` writes
 * partial.* (both ignored by git), so a partial or quick run never overwrites the full one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Environment } from './environment.ts';
import { projectRoot, resultsDir } from './paths.ts';
import type { ScenarioResult } from './results.ts';
import { renderMarkdown } from './table.ts';
import type { Mode } from './types.ts';

export interface RunReport {
  readonly mode: Mode;
  readonly only: string | null;
  readonly wallSeconds: number;
  /** The 1-minute load average when the run ended. */
  readonly loadAtEnd: number;
  readonly environment: Environment;
  readonly scenarios: readonly ScenarioResult[];
}

/** The file name stem for a run: latest, quick or partial. */
export function reportStem(mode: Mode, only: string | null): string {
  if (only !== null) return 'partial';
  return mode === 'quick' ? 'quick' : 'latest';
}

function environmentJson(environment: Environment): Record<string, unknown> {
  const exports = environment.multitaskExports;
  return {
    date: environment.date,
    commit: environment.commit,
    machine: environment.machine,
    node: environment.node,
    python: environment.python?.version ?? null,
    ...(environment.pythonMissing === undefined
      ? {}
      : { pythonMissing: environment.pythonMissing }),
    multitask: {
      version: environment.multitaskVersion,
      exports: exports instanceof Error ? `unavailable: ${exports.message}` : [...exports].sort(),
    },
    packages: environment.packages,
  };
}

export function reportJson(report: RunReport): string {
  const document = {
    schema: 1,
    mode: report.mode,
    only: report.only,
    wallSeconds: report.wallSeconds,
    loadAverage: { start: report.environment.loadAtStart, end: report.loadAtEnd },
    environment: environmentJson(report.environment),
    scenarios: report.scenarios,
  };
  // Arrays of plain values (per-round numbers, export names) on one line each: shorter
  // files, and a new round's numbers change one line, not a dozen.
  const text = JSON.stringify(document, null, 2).replace(
    /\[\n\s+([^[\]{}]*?)\n\s+\]/g,
    (_, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`,
  );
  return `${text}\n`;
}

export function reportMarkdown(report: RunReport): string {
  const { environment: env } = report;
  const { machine } = env;
  const packages = Object.entries(env.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const python =
    env.python === null
      ? `not available (${env.pythonMissing ?? 'unknown reason'}): CPython rows skipped`
      : `CPython ${env.python.version}`;
  const lines = [
    `# multitask benchmarks${report.mode === 'quick' ? ' (quick run)' : ''}`,
    '',
    `Run on ${env.date.slice(0, 10)}: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, ` +
      `${machine.os}; Node ${env.node}; ${python}; multitask ${env.multitaskVersion}` +
      `${env.commit === null ? '' : ` at ${env.commit}`}. The machine is shared: 1-minute ` +
      `load average ${env.loadAtStart} at the start, ${report.loadAtEnd} at the end.`,
    '',
    `Contenders (exact versions): ${packages}.`,
    '',
    `Mode: ${report.mode}${report.only === null ? '' : `, only ${report.only}`}; ` +
      `wall time ${report.wallSeconds} s. Each contender runs in its own fresh process ` +
      '(node or python3), contenders alternate A B A B … within every round, and each ' +
      'ratio is the median of the per-round ratios, so drift between rounds cancels out. ' +
      'Regenerate with `npm run bench` (full) or `npm run bench -- --quick`.',
    '',
    ...report.scenarios.flatMap((scenario) => [renderMarkdown(scenario), '']),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Writes the JSON and Markdown reports; returns their paths relative to the project. */
export function writeReport(report: RunReport): string[] {
  mkdirSync(resultsDir, { recursive: true });
  const stem = reportStem(report.mode, report.only);
  const files: [string, string][] = [
    [join(resultsDir, `${stem}.json`), reportJson(report)],
    [join(resultsDir, `${stem}.md`), reportMarkdown(report)],
  ];
  for (const [path, text] of files) writeFileSync(path, text);
  return files.map(([path]) => relative(projectRoot, path));
}
