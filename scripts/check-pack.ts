/**
 * What a user gets: `npm pack` this tree, install the tarball into an empty project with
 * the README's tsconfig, check that its source maps carry their sources and that its
 * package.json has no `prepare` script, compile the README's
 * first program with `tsc` and run it with plain `node`, then run its plain-JavaScript form. Exits non-zero, saying where, on any failure.
 *
 *     npm run check:pack
 *
 * Needs the registry or npm's cache for typescript and @types/node (npm ci fills the cache).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDocFiles } from '../test/helpers/doc-blocks.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const work = mkdtempSync(join(tmpdir(), 'multitask-pack-'));

function step(what: string, command: string, args: string[], cwd: string): string {
  process.stdout.write(`check-pack: ${what}\n`);
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${what} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

/** Every source map of the package carries the sources it points to (src/ is not shipped). */
function checkSourceMaps(dist: string): void {
  process.stdout.write('check-pack: source maps carry their sources\n');
  const maps = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.js.map'),
  );
  if (maps.length === 0) throw new Error(`no source maps in ${dist}`);
  for (const file of maps) {
    const map = JSON.parse(readFileSync(join(dist, file), 'utf8')) as {
      sources: string[];
      sourcesContent?: (string | null)[];
    };
    const carried = map.sourcesContent?.filter((text) => typeof text === 'string').length ?? 0;
    if (carried !== map.sources.length) throw new Error(`${file} points to sources it lacks`);
  }
}

/**
 * The installed package.json has no `prepare` script: it builds this tree with tsc and
 * means nothing in a user's project (scripts/pack-manifest.mjs strips it at pack time).
 */
function checkNoPrepare(manifestPath: string): void {
  process.stdout.write('check-pack: the packed package.json has no prepare script\n');
  const packedManifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    scripts?: Record<string, string>;
  };
  if (packedManifest.scripts?.['prepare'] !== undefined) {
    throw new Error(
      `the packed package.json keeps a prepare script: ${packedManifest.scripts['prepare']}`,
    );
  }
}

try {
  const packed = step('npm pack', 'npm', ['pack', '--pack-destination', work], root);
  const tarball = join(work, basename(packed.trim().split('\n').at(-1) ?? ''));
  const app = join(work, 'app');
  const blocks = readDocFiles(join(root, 'README.md'), 'README.md');
  const program = blocks.filter((block) => block.path.startsWith('first-program/'));
  const config = program.find((block) => block.path.endsWith('tsconfig.json'));
  if (config === undefined) throw new Error('README.md has no first-program/tsconfig.json block');
  step('make an empty project', 'mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module' }));
  for (const block of program) writeFileSync(join(app, basename(block.path)), block.code);
  const dev = ['typescript', '@types/node'].map(
    (name) => `${name}@${manifest.devDependencies[name] ?? 'latest'}`,
  );
  step(
    'npm install the tarball',
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...dev],
    app,
  );
  checkSourceMaps(join(app, 'node_modules/multitask/dist'));
  checkNoPrepare(join(app, 'node_modules/multitask/package.json'));
  step('tsc with the README tsconfig', 'npx', ['--no-install', 'tsc', '-p', '.'], app);
  for (const block of program.filter((candidate) => candidate.run)) {
    const file = basename(block.path).replace(/\.ts$/, '.js');
    const out = step(`node ${file}`, process.execPath, [file], app);
    const expected = block.stdout?.join('\n');
    if (expected !== undefined && out.trimEnd() !== expected) {
      throw new Error(`node ${file} printed ${JSON.stringify(out)}, the README says ${expected}`);
    }
  }
  process.stdout.write('check-pack: the packed package runs the README first program\n');
} finally {
  // A pack that failed half-way leaves the stripped package.json: put the original back.
  execFileSync(process.execPath, [join(root, 'scripts/pack-manifest.mjs'), 'restore'], {
    cwd: root,
  });
  rmSync(work, { recursive: true, force: true });
}
