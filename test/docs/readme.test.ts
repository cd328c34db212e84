/**
 * The README's programs run: every block marked `<!-- doctest: ... -->` (see
 * test/helpers/doc-blocks.ts) is written into one project beside the repository, type-checked
 * with `tsc` under the repository's strict options, and each `run` file is run with tsx and
 * must exit 0 printing what its marker states. `multitask` resolves to this tree's sources.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readDocFiles, type DocFile } from '../helpers/doc-blocks.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

function documents(): { path: string; label: string }[] {
  const examples = join(root, 'src/examples');
  const readmes = readdirSync(examples, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(examples, entry.name, 'README.md'))
    .filter((path) => existsSync(path));
  return [join(root, 'README.md'), ...readmes].map((path) => ({
    path,
    label: relative(root, path),
  }));
}

const files: DocFile[] = documents().flatMap(({ path, label }) => readDocFiles(path, label));

describe('the README programs', () => {
  // Inside the repository (so that tsx and tsc find its node_modules), in a folder that git,
  // eslint and prettier ignore, outside node_modules (where tsx would not map paths).
  const project = join(root, '.tmp', `doctest-${String(process.pid)}`);

  before(() => {
    for (const file of files) {
      mkdirSync(dirname(join(project, file.path)), { recursive: true });
      writeFileSync(join(project, file.path), file.code);
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    const source = relative(project, join(root, 'src'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        extends: relative(project, join(root, 'tsconfig.json')),
        compilerOptions: { paths: { multitask: [`${source}/index.ts`] } },
        include: ['**/*.ts', `${source}/types`],
      }),
    );
  });

  after(() => {
    rmSync(project, { recursive: true, force: true });
  });

  it('has programs to run: the first program, in TypeScript and JavaScript', () => {
    const paths = files.filter((file) => file.run).map((file) => file.path);
    assert.ok(paths.includes('first-program/main.ts'), paths.join(', '));
    assert.ok(paths.includes('first-program/main.mjs'), paths.join(', '));
  });

  it('type-checks under the strict options (tsc --noEmit)', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', project, '--noEmit'], {
      cwd: project,
    }).then(
      () => '',
      (error: unknown) => String((error as { stdout?: unknown }).stdout ?? error),
    );
    assert.equal(result, '');
  });

  for (const file of files.filter((candidate) => candidate.run)) {
    it(`${file.where}: ${file.path} runs${file.stdout === undefined ? '' : ' and prints what it says'}`, async () => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file.path], {
        cwd: project,
        timeout: 120_000,
      });
      if (file.stdout !== undefined) {
        assert.deepEqual(stdout.trimEnd().split('\n'), file.stdout);
      }
    });
  }
});
