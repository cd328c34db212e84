/**
 * The programs' progress display: the unit formatter's values, the plain lines printed off a
 * terminal (one per tenth, the last at finish, no escape codes), and the bar cli-progress
 * redraws on a terminal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAmount, formatBytes, formatCount, Progress } from '../../src/examples/progress.ts';

describe('the unit formatter', () => {
  it('formatBytes - bytes below 1 KiB as they are, then KiB, MiB, GiB with one decimal', () => {
    assert.deepEqual(
      [0, 1, 1023, 1024, 1536, 3 * 1024 ** 2, 20 * 1024 ** 2 + 1, 5 * 1024 ** 3, 2 * 1024 ** 5].map(
        formatBytes,
      ),
      [
        '0 B',
        '1 B',
        '1023 B',
        '1.0 KiB',
        '1.5 KiB',
        '3.0 MiB',
        '20.0 MiB',
        '5.0 GiB',
        '2048.0 TiB',
      ],
    );
  });

  it('formatCount - singular for 1 only, grouped digits, irregular plurals', () => {
    assert.deepEqual(
      [
        formatCount(0, 'file'),
        formatCount(1, 'file'),
        formatCount(2, 'copy', 'copies'),
        formatCount(1, 'copy', 'copies'),
        formatCount(1234567, 'block'),
      ],
      ['0 files', '1 file', '2 copies', '1 copy', '1,234,567 blocks'],
    );
  });

  it('formatAmount - done of total in counts or bytes', () => {
    assert.equal(formatAmount(29, 64, { one: 'chunk' }), '29/64 chunks');
    assert.equal(formatAmount(1, 1, { one: 'thread' }), '1/1 thread');
    assert.equal(formatAmount(3, 10, { one: 'process', many: 'processes' }), '3/10 processes');
    assert.equal(formatAmount(1536, 3 * 1024 ** 2, 'bytes'), '1.5 KiB / 3.0 MiB');
  });
});

describe('Progress off a terminal', () => {
  function lines(isTTY: boolean | undefined) {
    const written: string[] = [];
    return { written, stream: { write: (text: string) => written.push(text), isTTY } };
  }

  it('prints a line per tenth reached, and the 100% line once, at finish', () => {
    const { written, stream } = lines(false);
    const progress = new Progress(stream, { label: 'Copying', unit: 'bytes' });
    for (const done of [0, 100, 512, 1000, 1024, 2048, 2048]) progress.update(done, 2048);
    progress.update(2048, 2048, '2/2 files');
    progress.finish();
    progress.finish();
    progress.update(0, 2048);
    assert.deepEqual(written, [
      'Copying 0%  0 B / 2.0 KiB\n',
      'Copying 20%  512 B / 2.0 KiB\n',
      'Copying 40%  1000 B / 2.0 KiB\n',
      'Copying 50%  1.0 KiB / 2.0 KiB\n',
      'Copying 100%  2.0 KiB / 2.0 KiB  2/2 files\n',
    ]);
  });

  it('counts things by their noun; a display never updated prints nothing', () => {
    const { written, stream } = lines(undefined);
    const progress = new Progress(stream, { label: 'threads 4', unit: { one: 'thread' } });
    for (let done = 0; done <= 4; done++) progress.update(done, 4);
    progress.finish();
    new Progress(stream, { label: 'never', unit: 'bytes' }).finish();
    assert.deepEqual(written, [
      'threads 4 0%  0/4 threads\n',
      'threads 4 20%  1/4 threads\n',
      'threads 4 50%  2/4 threads\n',
      'threads 4 70%  3/4 threads\n',
      'threads 4 100%  4/4 threads\n',
    ]);
  });

  it('a null stream shows nothing and accepts every call', () => {
    const progress = new Progress(null, { label: 'quiet', unit: 'bytes' });
    progress.update(1, 2);
    progress.finish();
  });
});

describe('Progress on a terminal', () => {
  it('draws a bar in place with the percentage, the amounts and the detail, then ends its line', () => {
    const written: string[] = [];
    const stream = { write: (text: string) => written.push(text), isTTY: true, columns: 120 };
    const progress = new Progress(stream, { label: 'Copying', unit: 'bytes', width: 10 });
    progress.update(1024, 2048, '1/2 files');
    progress.update(2048, 2048, '2/2 files');
    progress.finish();
    const text = written.join('');
    // The bar is redrawn in place: cursor moves and line clears, no newline until the end.
    assert.ok(text.includes('\x1b['));
    assert.match(
      text,
      /Copying \[#####-----\] {2}50% {2}1\.0 KiB \/ 2\.0 KiB {2}1\/2 files {2}\d+\.\d s/,
    );
    assert.match(
      text,
      /Copying \[##########\] 100% {2}2\.0 KiB \/ 2\.0 KiB {2}2\/2 files {2}\d+\.\d s/,
    );
    assert.equal(text.indexOf('\n'), text.length - 1);
  });
});
