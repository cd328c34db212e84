/**
 * The backup and the parallel block copy: a tree with nested and empty directories, symlinks,
 * binary files and file modes is copied byte for byte and verified; an existing destination
 * is refused untouched; progress reaches the total and never goes back; an aborted backup
 * leaves no partial file; the block copy of a large file is byte-identical.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backup, type BackupProgress } from '../../src/examples/backup/backup.ts';
import { defaultDestination } from '../../src/examples/backup/tree.ts';
import { verifyBackup } from '../../src/examples/backup/verify.ts';
import { blockCopy } from '../../src/examples/backup/block-copy.ts';
import { backupCommand, copyCommand, EXIT_DEST_EXISTS } from '../../src/examples/backup/cli.ts';
import { BackupError } from '../../src/examples/backup/errors.ts';
import { formatBytes } from '../../src/examples/progress.ts';

const MiB = 1024 * 1024;

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every entry under `root`, by relative path: its type, mode, mtime and content or target. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const full = join(root, path);
      const info = lstatSync(full);
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isSymbolicLink()) out.set(path, `link -> ${readlinkSync(full)}`);
      else if (info.isDirectory()) {
        out.set(path, `dir ${mode} ${Math.trunc(info.mtimeMs)}`);
        walk(path);
      } else {
        out.set(path, `file ${mode} ${Math.trunc(info.mtimeMs)} ${sha256(full)}`);
      }
    }
  };
  walk('');
  return out;
}

/** Paths of the temporary files a copy may leave: none should remain. */
function partials(root: string): string[] {
  return [...snapshot(root).keys()].filter((path) => path.endsWith('.partial'));
}

let root: string;
let src: string;
/** The regular files of the tree under `src`, and their total size. */
let totalBytes = 0;
let totalFiles = 0;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'multitask-backup-test-'));
  src = join(root, 'tree');
  const files: [string, Buffer | string, number?][] = [
    ['readme.txt', 'A tree to back up.\n'],
    ['big.bin', randomBytes(3 * MiB + 12_345)],
    ['zero.bin', ''],
    ['run.sh', '#!/bin/sh\necho hi\n', 0o755],
    ['private.txt', 'only me\n', 0o600],
    ['docs/guide.md', '# Guide\n'.repeat(500)],
    ['docs/deep/nested/data.bin', randomBytes(100_000)],
    ['docs/deep/nested/more.bin', randomBytes(1 * MiB)],
    ['locked/inside.txt', 'in a read-only directory\n'],
  ];
  for (const [path, content, mode] of files) {
    const full = join(src, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
    if (mode !== undefined) chmodSync(full, mode);
    totalBytes += Buffer.byteLength(content);
    totalFiles++;
  }
  mkdirSync(join(src, 'empty'));
  mkdirSync(join(src, 'docs/empty-too'));
  // A link inside the tree, and one pointing out of it: both copied as links, not followed.
  symlinkSync('../readme.txt', join(src, 'docs/readme-link'));
  symlinkSync('../../outside.txt', join(src, 'docs/outside-link'));
  writeFileSync(join(root, 'outside.txt'), 'outside the tree\n');
  // Times in the past, to see them preserved (directories' once their contents are in).
  const past = new Date('2001-02-03T04:05:06.789Z');
  utimesSync(join(src, 'big.bin'), past, past);
  utimesSync(join(src, 'docs/deep'), past, past);
  chmodSync(join(src, 'locked'), 0o555);
});

after(() => {
  // Read-only directories (the source's and their copies) cannot be emptied until writable.
  for (const dir of readdirSync(root)) {
    const locked = join(root, dir, 'locked');
    if (existsSync(locked)) chmodSync(locked, 0o755);
  }
  rmSync(root, { recursive: true, force: true });
});

describe('backup()', () => {
  it('copies the tree (nested and empty directories, symlinks, modes, times) and verifies it', async () => {
    const dest = join(root, 'copy-1');
    const events: BackupProgress[] = [];
    const summary = await backup({ src, dest, workers: 2, onProgress: (p) => events.push(p) });
    assert.deepEqual(summary, {
      source: src,
      destination: dest,
      files: totalFiles,
      bytes: totalBytes,
      directories: 6,
      symlinks: 2,
      skipped: [],
      verified: totalFiles,
      mismatches: [],
    });
    assert.deepEqual(snapshot(dest), snapshot(src));
    assert.equal(readlinkSync(join(dest, 'docs/outside-link')), '../../outside.txt');
    assert.deepEqual(readdirSync(join(dest, 'empty')), []);
    assert.equal(partials(dest).length, 0);

    // Progress: the copy phase never goes back and ends exactly at the total.
    const copy = events.filter((e) => e.phase === 'copy');
    assert.ok(copy.length >= 2);
    for (const [i, e] of copy.entries()) {
      assert.equal(e.totalBytes, totalBytes);
      assert.equal(e.totalFiles, totalFiles);
      const previous = copy[i - 1];
      if (previous !== undefined) {
        assert.ok(e.bytes >= previous.bytes, `bytes went back: ${previous.bytes} -> ${e.bytes}`);
        assert.ok(e.files >= previous.files);
      }
    }
    assert.deepEqual(copy[0], {
      phase: 'copy',
      bytes: 0,
      totalBytes,
      files: 0,
      totalFiles,
    });
    assert.equal(copy.at(-1)?.bytes, totalBytes);
    assert.equal(copy.at(-1)?.files, totalFiles);
    // Then the verification, file by file, after the whole copy.
    const verify = events.slice(copy.length);
    assert.ok(verify.every((e) => e.phase === 'verify'));
    assert.deepEqual(
      verify.map((e) => e.files),
      Array.from({ length: totalFiles + 1 }, (_, i) => i),
    );
    assert.equal(verify.at(-1)?.bytes, totalBytes);

    // The checksum comparison is real: a changed byte in a copy is reported.
    const copyPath = join(dest, 'docs/deep/nested/data.bin');
    const bytes = readFileSync(copyPath);
    bytes[500] = (bytes[500] ?? 0) ^ 0xff;
    writeFileSync(copyPath, bytes);
    assert.deepEqual(await verifyBackup({ src, dest, workers: 2 }), {
      verified: totalFiles - 1,
      mismatches: ['docs/deep/nested/data.bin'],
    });
  });

  it("copies a tree of 1,000 files byte for byte (the issue's done-when)", async () => {
    const many = join(root, 'many');
    for (let d = 0; d < 10; d++) {
      mkdirSync(join(many, `dir-${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) {
        writeFileSync(join(many, `dir-${d}`, `file-${f}.bin`), randomBytes((d * 100 + f) % 700));
      }
    }
    const summary = await backup({ src: many, dest: join(root, 'many-copy'), workers: 2 });
    assert.equal(summary.files, 1000);
    assert.equal(summary.verified, 1000);
    assert.deepEqual(summary.mismatches, []);
    assert.deepEqual(snapshot(join(root, 'many-copy')), snapshot(many));
  });

  it('backs up to SRC-backup by default', async () => {
    const small = join(root, 'small');
    mkdirSync(join(small, 'sub'), { recursive: true });
    writeFileSync(join(small, 'sub/a.txt'), 'a');
    assert.equal(defaultDestination(`${small}/`), `${small}-backup`);
    const summary = await backup({ src: small, workers: 1 });
    assert.equal(summary.destination, `${small}-backup`);
    assert.equal(readFileSync(join(root, 'small-backup/sub/a.txt'), 'utf8'), 'a');
    assert.deepEqual(snapshot(`${small}-backup`), snapshot(small));
  });

  it('refuses an existing non-empty destination, touching nothing; --force copies into it', async () => {
    const dest = join(root, 'copy-existing');
    mkdirSync(join(dest, 'docs'), { recursive: true });
    writeFileSync(join(dest, 'docs/guide.md'), 'an older guide\n');
    writeFileSync(join(dest, 'keep.txt'), 'not in the source\n');
    const before = snapshot(dest);

    await assert.rejects(backup({ src, dest, workers: 1 }), (error) => {
      assert.ok(error instanceof BackupError);
      assert.equal(error.code, 'ERR_DEST_EXISTS');
      assert.match(error.message, /exists and is not empty: refusing to overwrite it/);
      return true;
    });
    assert.deepEqual(snapshot(dest), before);

    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    const code = await backupCommand(
      [src, dest],
      (line) => out.push(line),
      (line) => err.push(line),
      { write: (text) => progress.push(text) },
    );
    assert.equal(code, EXIT_DEST_EXISTS);
    assert.deepEqual(out, []);
    assert.equal(err.length, 1);
    assert.match(err[0] ?? '', /^The destination `.*copy-existing` exists and is not empty/);
    assert.deepEqual(progress, []);
    assert.deepEqual(snapshot(dest), before);

    const summary = await backup({ src, dest, workers: 2, force: true });
    assert.equal(summary.verified, totalFiles);
    assert.equal(readFileSync(join(dest, 'docs/guide.md'), 'utf8'), '# Guide\n'.repeat(500));
    assert.equal(readFileSync(join(dest, 'keep.txt'), 'utf8'), 'not in the source\n');
    const copied = snapshot(dest);
    copied.delete('keep.txt');
    assert.deepEqual(copied, snapshot(src));
  });

  it('a file that cannot be copied fails the backup with ERR_COPY_FAILED, after the others', async () => {
    const dest = join(root, 'copy-conflict');
    // With --force, a directory where the source has a file: that file's rename fails.
    mkdirSync(join(dest, 'docs/guide.md'), { recursive: true });
    writeFileSync(join(dest, 'docs/guide.md/inside.txt'), 'in the way');
    await assert.rejects(backup({ src, dest, workers: 2, force: true }), (error) => {
      assert.ok(error instanceof BackupError);
      assert.equal(error.code, 'ERR_COPY_FAILED');
      assert.match(error.message, /^1 file\(s\) could not be copied:\n {2}.*docs\/guide\.md/);
      assert.ok(error.cause instanceof Error);
      return true;
    });
    assert.deepEqual(partials(dest), []);
    assert.equal(sha256(join(dest, 'big.bin')), sha256(join(src, 'big.bin')));
    assert.equal(readFileSync(join(dest, 'docs/guide.md/inside.txt'), 'utf8'), 'in the way');
  });

  it('refuses a destination inside the source, and a source that is not a directory', async () => {
    await assert.rejects(backup({ src, dest: join(src, 'docs/backup') }), {
      name: 'BackupError',
      code: 'ERR_BAD_DEST',
    });
    assert.equal(existsSync(join(src, 'docs/backup')), false);
    await assert.rejects(backup({ src: join(src, 'readme.txt') }), {
      name: 'BackupError',
      code: 'ERR_BAD_SOURCE',
    });
    await assert.rejects(backup({ src, dest: join(root, 'never'), workers: 0 }), RangeError);
  });

  it('aborted mid-copy: rejects with ERR_ABORTED and leaves no partial file', async () => {
    const large = join(root, 'large');
    mkdirSync(large);
    writeFileSync(join(large, 'huge.bin'), randomBytes(24 * MiB));
    writeFileSync(join(large, 'small.txt'), 'small');
    const dest = join(root, 'large-aborted');
    const controller = new AbortController();
    await assert.rejects(
      backup({
        src: large,
        dest,
        workers: 2,
        signal: controller.signal,
        progressInterval: 5,
        onProgress: (p) => {
          // The large file's first batch of bytes: its copy is under way.
          if (p.bytes >= MiB) controller.abort();
        },
      }),
      { name: 'BackupError', code: 'ERR_ABORTED' },
    );
    assert.deepEqual(partials(dest), []);
    // Whatever was renamed into place is complete.
    for (const name of readdirSync(dest)) {
      assert.equal(sha256(join(dest, name)), sha256(join(large, name)), name);
    }
  });
});

describe('backupCommand()', () => {
  it('--top shows the live view of its pools instead of progress bars, ending on their totals', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    const code = await backupCommand(
      [src, join(root, 'copy-top'), '--workers', '2', '--top'],
      (line) => out.push(line),
      (line) => err.push(line),
      { write: (text) => progress.push(text), isTTY: false },
    );
    assert.equal(code, 0, err.join('\n'));
    assert.deepEqual(progress, []);
    // The test's stderr is no terminal: plain lines, the first refresh at once, the last at the end.
    assert.match(err[0] ?? '', new RegExp(`^multitask top: pid ${process.pid}, up `));
    // One pool copies each file (a task each), then hashes each pair (a task each).
    const tasks = 2 * totalFiles;
    const copied = new RegExp(
      `^Pool \\(processes, (closed|terminated)\\): submitted ${tasks}, queued 0, running 0, done ${tasks}, failed 0, cancelled 0$`,
    );
    assert.ok(
      err.some((line) => copied.test(line)),
      err.join('\n'),
    );
  });

  it('speaks of one copy in the singular', async () => {
    const single = join(root, 'single-src');
    mkdirSync(single);
    writeFileSync(join(single, 'only.txt'), 'one file');
    const out: string[] = [];
    const code = await backupCommand(
      [single, join(root, 'single-dest')],
      (line) => out.push(line),
      (line) => out.push(`error: ${line}`),
      { write: () => undefined, isTTY: false },
    );
    assert.equal(code, 0);
    assert.equal(out.at(-1), 'Verified: the SHA-256 of the copy matches its source.');
  });

  it('prints at most one progress line per tenth when not on a terminal', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    const dest = join(root, 'copy-cli');
    const code = await backupCommand(
      [src, dest, '--workers', '2'],
      (line) => out.push(line),
      (line) => err.push(line),
      { write: (text) => progress.push(text), isTTY: false },
    );
    assert.deepEqual(err, []);
    assert.equal(code, 0);
    assert.deepEqual(out, [
      `Backing up ${src} to ${dest}: ${totalFiles} files, ${formatBytes(totalBytes)}`,
      `Copied ${totalFiles} files (${formatBytes(totalBytes)}), 6 directories and 2 symlinks to ${dest}`,
      `Verified: the SHA-256 of all ${totalFiles} copies match their sources.`,
    ]);
    const lines = progress.join('').split('\n').slice(0, -1);
    const copying = lines.filter((line) => line.startsWith('Copying'));
    const verifying = lines.filter((line) => line.startsWith('Verifying'));
    assert.equal(copying.length + verifying.length, lines.length);
    for (const group of [copying, verifying]) {
      assert.ok(group.length >= 2 && group.length <= 11, `${group.length} lines`);
      const percents = group.map((line) => Number(/ (\d+)%/.exec(line)?.[1]));
      assert.deepEqual(
        percents,
        [...new Set(percents)].sort((a, b) => a - b),
      );
      assert.equal(percents[0], 0);
      assert.match(
        group.at(-1) ?? '',
        new RegExp(
          ` 100% {2}${formatBytes(totalBytes)} / ${formatBytes(totalBytes)} {2}${totalFiles}/${totalFiles} files$`,
        ),
      );
    }
    assert.deepEqual(snapshot(dest), snapshot(src));
  });

  it('bad arguments exit with code 2 and the usage', async () => {
    for (const argv of [[], ['a', 'b', 'c'], [src, '--workers', 'x'], [src, '--nope']]) {
      const err: string[] = [];
      const code = await backupCommand(
        argv,
        () => undefined,
        (line) => err.push(line),
        {
          write: () => undefined,
        },
      );
      assert.equal(code, 2, argv.join(' '));
      assert.equal(err.length, 2, argv.join(' '));
      assert.match(err[0] ?? '', /^error: /);
      assert.equal(
        err[1],
        'usage: multitask backup [options] <SRC> [DEST]  (`multitask backup --help` explains)',
      );
    }
  });
});

describe('blockCopy()', () => {
  it('4 threads copy a 20 MiB file block by block, byte-identical', async () => {
    const source = join(root, 'twenty.bin');
    writeFileSync(source, randomBytes(20 * MiB));
    const target = join(root, 'twenty-copy.bin');
    const seen: number[] = [];
    const summary = await blockCopy({
      source,
      target,
      threads: 4,
      onProgress: (bytes, total) => {
        assert.equal(total, 20 * MiB);
        seen.push(bytes);
      },
    });
    assert.equal(summary.blocks, 4);
    assert.equal(summary.blockSize, 5 * MiB);
    assert.equal(summary.bytes, 20 * MiB);
    assert.equal(summary.identical, true);
    assert.equal(summary.sha256, sha256(source));
    assert.equal(sha256(target), sha256(source));
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );
    assert.equal(seen.at(-1), 20 * MiB);
    assert.equal(lstatSync(target).mode, lstatSync(source).mode);
    assert.deepEqual(partials(root), []);
  });

  it('a size that is not a multiple of the block size: the last block is short', async () => {
    const source = join(root, 'odd.bin');
    writeFileSync(source, randomBytes(5 * MiB + 12_345));
    const target = join(root, 'odd-copy.bin');
    const summary = await blockCopy({ source, target, threads: 3, blockSize: MiB });
    assert.equal(summary.blocks, 6);
    assert.equal(summary.identical, true);
    assert.equal(sha256(target), sha256(source));
    assert.equal(lstatSync(target).size, 5 * MiB + 12_345);
  });

  it('refuses an existing target unless forced; an empty file copies too', async () => {
    const source = join(root, 'empty.bin');
    writeFileSync(source, '');
    const target = join(root, 'existing-target.bin');
    writeFileSync(target, 'keep me');
    await assert.rejects(blockCopy({ source, target }), {
      name: 'BackupError',
      code: 'ERR_DEST_EXISTS',
    });
    assert.equal(readFileSync(target, 'utf8'), 'keep me');
    const summary = await blockCopy({ source, target, force: true, threads: 2 });
    assert.equal(summary.blocks, 0);
    assert.equal(summary.identical, true);
    assert.equal(readFileSync(target, 'utf8'), '');
    await assert.rejects(blockCopy({ source, target: source, force: true }), {
      code: 'ERR_BAD_DEST',
    });
    await assert.rejects(blockCopy({ source, target: join(root, 'x'), threads: 0 }), RangeError);
  });
});

describe('blockCopy() aborted', () => {
  it('rejects with ERR_ABORTED and removes the partial copy', async () => {
    const source = join(root, 'to-abort.bin');
    writeFileSync(source, randomBytes(16 * MiB));
    const target = join(root, 'aborted-copy.bin');
    const controller = new AbortController();
    await assert.rejects(
      blockCopy({
        source,
        target,
        threads: 4,
        blockSize: MiB,
        signal: controller.signal,
        onProgress: (bytes) => {
          if (bytes > 0) controller.abort();
        },
      }),
      { name: 'BackupError', code: 'ERR_ABORTED' },
    );
    assert.equal(existsSync(target), false);
    assert.deepEqual(partials(root), []);
  });
});

describe('copyCommand()', () => {
  it('says "an empty file" for an empty source, and one block and one thread in the singular', async () => {
    const empty = join(root, 'cli-empty.bin');
    writeFileSync(empty, '');
    const small = join(root, 'cli-small.bin');
    writeFileSync(small, randomBytes(1000));
    const out: string[] = [];
    const quiet = { write: () => undefined };
    for (const [source, extra] of [
      [empty, []],
      [small, ['--threads', '1']],
    ] as const) {
      const code = await copyCommand(
        [source, `${source}.copy`, ...extra],
        (line) => out.push(line),
        (line) => out.push(`error: ${line}`),
        quiet,
      );
      assert.equal(code, 0);
    }
    assert.deepEqual(out, [
      `Copied ${empty} to ${empty}.copy: an empty file`,
      `Identical: SHA-256 ${sha256(empty)}`,
      `Copied ${small} to ${small}.copy: ${formatBytes(1000)} in 1 block of ${formatBytes(1000)} by 1 thread`,
      `Identical: SHA-256 ${sha256(small)}`,
    ]);
  });

  it('copies with --threads and --block-size, reports identical checksums', async () => {
    const source = join(root, 'cli-source.bin');
    writeFileSync(source, randomBytes(3 * MiB + 7));
    const target = join(root, 'cli-copy.bin');
    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    const code = await copyCommand(
      [source, target, '--threads', '3', '--block-size', '1M'],
      (line) => out.push(line),
      (line) => err.push(line),
      { write: (text) => progress.push(text) },
    );
    assert.deepEqual(err, []);
    assert.equal(code, 0);
    assert.deepEqual(out, [
      `Copied ${source} to ${target}: 3.0 MiB in 4 blocks of 1.0 MiB by 3 threads`,
      `Identical: SHA-256 ${sha256(source)}`,
    ]);
    assert.match(
      progress.join('').split('\n').at(-2) ?? '',
      /^Copying 100% {2}3\.0 MiB \/ 3\.0 MiB$/,
    );
    assert.equal(
      await copyCommand(
        [source, target],
        () => undefined,
        () => undefined,
        {
          write: () => undefined,
        },
      ),
      EXIT_DEST_EXISTS,
    );
    assert.equal(
      await copyCommand(
        [source, target, '--block-size', '0'],
        () => undefined,
        () => undefined,
        {
          write: () => undefined,
        },
      ),
      2,
    );
  });
});
