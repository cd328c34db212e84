/**
 * The multitask command's arguments and exit codes: every level prints its help on --help
 * (and runs nothing), --version prints package.json's version, and every bad argument is one
 * `error:` line and one usage line on stderr, exit code 2, never a stack trace. Checked
 * through a spawned `multitask`, as a user runs it, and through run().
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.ts';
import { runScript } from '../helpers/scripts.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

function multitask(...args: string[]) {
  return runScript(CLI, args).done;
}

function capture(): {
  out: string[];
  err: string[];
  write: (line: string) => void;
  error: (line: string) => void;
} {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, write: (line) => out.push(line), error: (line) => err.push(line) };
}

const root = mkdtempSync(join(tmpdir(), 'multitask-cli-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('multitask, spawned', () => {
  for (const [argv, usage] of [
    [['--help'], 'Usage: multitask [options] [command]'],
    [['primes', '--help'], 'Usage: multitask primes [options]'],
    [['demo', '--help'], 'Usage: multitask demo NAME'],
    [['demo', 'balance', '--help'], 'Usage: multitask demo balance [options]'],
    [['help', 'copy'], 'Usage: multitask copy [options] <SRC> <DEST>'],
    [['chat', 'client', '-h'], 'Usage: multitask chat client [options]'],
  ] as const) {
    it(`multitask ${argv.join(' ')} - prints that level's help and runs nothing, exit 0`, async () => {
      const { code, stdout, stderr } = await multitask(...argv);
      assert.equal(code, 0);
      assert.equal(stderr, '');
      assert.equal(stdout.split('\n')[0], usage);
      // The demo did not run: its help is all there is.
      assert.match(stdout, /\n {2}-h, --help +show this help\n/);
    });
  }

  it('multitask --help - lists every command', async () => {
    const { stdout } = await multitask('--help');
    const commands = [...(stdout.split('Commands:\n')[1] ?? '').matchAll(/^ {2}(\S+)/gm)].map(
      (m) => m[1],
    );
    assert.deepEqual(commands, [
      'primes',
      'demo',
      'backup',
      'copy',
      'chat',
      'files',
      'http',
      'worker',
      'top',
      'help',
    ]);
  });

  it("multitask --version and -V - print package.json's version", async () => {
    for (const flag of ['--version', '-V']) {
      const { code, stdout, stderr } = await multitask(flag);
      assert.equal(code, 0);
      assert.equal(stdout, `${VERSION}\n`);
      assert.equal(stderr, '');
    }
  });

  for (const [argv, error] of [
    [['primes', '--n'], "error: option '--n <N>' argument missing"],
    [
      ['primes', '--n', '-5'],
      "error: option '--n <N>' argument '-5' is invalid. Expected an integer from 2 up.",
    ],
    [
      ['primes', '--n', 'abc'],
      "error: option '--n <N>' argument 'abc' is invalid. Expected an integer from 2 up.",
    ],
    [
      ['primes', '--n=1.5'],
      "error: option '--n <N>' argument '1.5' is invalid. Expected an integer from 2 up.",
    ],
    [['primes', '--bogus'], "error: unknown option '--bogus'"],
    [['--bogus'], "error: unknown option '--bogus'"],
    [
      ['primes', 'extra'],
      "error: too many arguments for 'primes'. Expected 0 arguments but got 1.",
    ],
    [['demo'], /^error: missing the demo: one of balance, bank, .*, tickets$/],
    [['demo', 'nosuch'], /^error: unknown demo 'nosuch': one of balance, bank, .*, tickets$/],
    [['nope'], /^error: unknown command 'nope'/],
    [['copy', 'only-one'], "error: missing required argument 'DEST'"],
    [
      ['copy', 'a', 'b', '--threads', '0'],
      "error: option '--threads <N>' argument '0' is invalid. Expected an integer from 1 to 1024.",
    ],
    [
      ['backup', 'src', '--workers', 'many'],
      "error: option '--workers <N>' argument 'many' is invalid. Expected an integer from 1 to 1024.",
    ],
    [['worker', '--queue', 'q'], "error: required option '--redis <URL>' not specified"],
    [
      ['worker', '--redis', 'r', '--queue', 'q', '--module', 'm', '--backend', 'fork'],
      "error: option '--backend <KIND>' argument 'fork' is invalid. Allowed choices are thread, process.",
    ],
  ] as const) {
    it(`multitask ${argv.join(' ')} - one error line and a usage line, exit 2`, async () => {
      const { code, stdout, stderr } = await multitask(...argv);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      const lines = stderr.split('\n');
      assert.equal(lines.length, 3, stderr);
      assert.equal(lines[2], '');
      if (typeof error === 'string') assert.equal(lines[0], error);
      else assert.match(lines[0] ?? '', error);
      const command = ['primes', 'demo', 'copy', 'backup', 'worker'].find((c) => c === argv[0]);
      const path = command === undefined ? 'multitask' : `multitask ${command}`;
      assert.match(
        lines[1] ?? '',
        new RegExp(`^usage: ${path} .*\\(\`${path} --help\` explains\\)$`),
      );
      assert.doesNotMatch(stderr, /^\s+at /m);
    });
  }

  it('multitask copy FILE DIR --force - one line naming the directory, exit 1, nothing copied', async () => {
    const big = join(root, 'big.bin');
    writeFileSync(big, Buffer.alloc(64 * 1024, 7));
    const dir = join(root, 'existing-dir');
    mkdirSync(dir);
    const { code, stdout, stderr } = await multitask('copy', big, dir, '--force');
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      `Cannot write the copy to \`${dir}\`: it is a directory (give the copy's file name)\n`,
    );
  });

  it('multitask copy FILE missing-dir/x - one line naming the missing directory, exit 1', async () => {
    const small = join(root, 'a.ts');
    writeFileSync(small, 'export {};\n');
    const target = join(root, 'missing-dir', 'x');
    const { code, stdout, stderr } = await multitask('copy', small, target);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      `Cannot write the copy to \`${target}\`: its directory \`${join(root, 'missing-dir')}\` does not exist\n`,
    );
  });

  it('multitask copy FILE file/x - one line: the directory is a file, exit 1', async () => {
    const small = join(root, 'b.ts');
    writeFileSync(small, 'export {};\n');
    const { code, stdout, stderr } = await multitask('copy', small, join(small, 'x'));
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      `Cannot write the copy to \`${join(small, 'x')}\`: \`${small}\` is not a directory\n`,
    );
  });
});

describe('run()', () => {
  it('multitask (no command) - prints the help on stderr, exit code 2', async () => {
    const io = capture();
    assert.equal(await run([], io.write, io.error, null), 2);
    assert.deepEqual(io.out, []);
    assert.match(io.err.join('\n'), /^Usage: multitask \[options\] \[command\]/);
  });

  it('multitask toString / demo constructor - names inherited from Object are not commands', async () => {
    for (const argv of [['toString'], ['constructor'], ['demo', 'hasOwnProperty']]) {
      const io = capture();
      assert.equal(await run(argv, io.write, io.error, null), 2);
      assert.match(
        io.err[0] ?? '',
        /^error: unknown (command|demo) '(toString|constructor|hasOwnProperty)'/,
      );
    }
  });

  it('multitask primes --n 1_000 - prints the table, and each row its progress off a terminal', async () => {
    const io = capture();
    const progress: string[] = [];
    const stream = { write: (text: string) => progress.push(text), isTTY: false };
    assert.equal(await run(['primes', '--n', '1_000'], io.write, io.error, stream), 0);
    assert.deepEqual(io.err, []);
    assert.equal(io.out.length, 11);
    assert.match(io.out[0] ?? '', /below 1,000/);
    // Serial, 4 and 10 threads, 4 and 10 processes, the thread pool and the process pool.
    const rows = io.out.slice(2, 9);
    assert.deepEqual(
      rows.map((line) => line.split(/\s{2,}/)[0]),
      ['serial', 'threads', 'threads', 'processes', 'processes', 'thread pool', 'process pool'],
    );
    assert.ok(rows.every((line) => line.endsWith('76,127')));

    const text = progress.join('');
    assert.ok(!text.includes('\x1b') && !text.includes('\r'), 'no escape codes');
    const lines = text.split('\n');
    assert.equal(lines.pop(), '');
    // Each row's last line: all of its work done.
    const last = new Map<string, string>();
    for (const line of lines) last.set(line.split(/ +\d+%/)[0] ?? '', line);
    assert.deepEqual(
      [...last.keys()].map((label) => label.trim()),
      [
        'serial 1',
        'threads 4',
        'threads 10',
        'processes 4',
        'processes 10',
        `thread pool ${rows[5]?.split(/\s{2,}/)[1]}`,
        `process pool ${rows[6]?.split(/\s{2,}/)[1]}`,
      ],
    );
    const finals = [...last.values()].map((line) => line.replace(/^.*? (\d+%)/, '$1'));
    assert.deepEqual(finals, [
      '100%  64/64 chunks',
      '100%  4/4 threads',
      '100%  10/10 threads',
      '100%  4/4 processes',
      '100%  10/10 processes',
      '100%  64/64 chunks',
      '100%  64/64 chunks',
    ]);
    // Percentages only go up within a row, a line per tenth at most.
    for (const label of last.keys()) {
      const percents = lines
        .filter((line) => line.startsWith(`${label} `) || line.split(/ +\d+%/)[0] === label)
        .map((line) => Number(/ (\d+)%/.exec(line)?.[1]));
      assert.deepEqual(
        percents,
        [...new Set(percents)].sort((a, b) => a - b),
        label,
      );
      assert.ok(percents.length <= 11, label);
    }
  });
});
