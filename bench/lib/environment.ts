/**
 * What the run was measured on: the machine, Node, python3, and the exact versions of the
 * contenders' packages, as installed (not as requested).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { multitaskExports } from './multitask.ts';
import { projectRoot } from './paths.ts';

export interface Python {
  readonly command: string;
  readonly version: string;
}

export interface Environment {
  readonly date: string;
  /** The commit checked out (the working tree may hold uncommitted changes too). */
  readonly commit: string | null;
  /** The 1-minute load average when the run started: the machine is shared. */
  readonly loadAtStart: number;
  readonly machine: {
    readonly cpu: string;
    readonly cpus: number;
    readonly memoryGiB: number;
    readonly os: string;
  };
  readonly node: string;
  /** `null` when python3 cannot be run. */
  readonly python: Python | null;
  /** Why python3 is missing, when it is. */
  readonly pythonMissing?: string;
  readonly multitaskVersion: string;
  /** multitask's exports, or why dist/ cannot be loaded. */
  readonly multitaskExports: ReadonlySet<string> | Error;
  /** Contender package name → installed version. */
  readonly packages: Readonly<Record<string, string>>;
}

function readVersion(manifest: string): string | undefined {
  if (!existsSync(manifest)) return undefined;
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
  return typeof version === 'string' ? version : undefined;
}

/** The installed version of an npm package, read from its own package.json. */
export function installedVersion(name: string): string | undefined {
  // Read the file directly: some packages' "exports" do not expose ./package.json.
  return readVersion(join(projectRoot, 'node_modules', name, 'package.json'));
}

function findPython(command: string): Python | string {
  const probe = spawnSync(command, ['-c', 'import sys; print(sys.version.split()[0])'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (probe.error !== undefined) return `${command} not found (${probe.error.message})`;
  if (probe.status !== 0) return `${command} failed: ${probe.stderr.trim()}`;
  return { command, version: probe.stdout.trim() };
}

function headCommit(): string | null {
  // Read-only: rev-parse never touches the index or the working tree.
  const probe = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 10_000,
  });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/** The 1-minute load average, to two decimals. */
export function loadNow(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

export async function detectEnvironment(options: {
  readonly python: boolean;
  readonly packages: readonly string[];
}): Promise<Environment> {
  const python = options.python ? findPython('python3') : 'python3 disabled by --no-python';
  const packages: Record<string, string> = {};
  for (const name of [...options.packages].sort()) {
    packages[name] = installedVersion(name) ?? 'not installed';
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return {
    date: new Date().toISOString(),
    commit: headCommit(),
    loadAtStart: loadNow(),
    machine: {
      cpu,
      cpus: availableParallelism(),
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${type()} ${release()}`,
    },
    node: process.version,
    python: typeof python === 'string' ? null : python,
    ...(typeof python === 'string' ? { pythonMissing: python } : {}),
    multitaskVersion: readVersion(join(projectRoot, 'package.json')) ?? 'unknown',
    multitaskExports: await multitaskExports(),
    packages,
  };
}
