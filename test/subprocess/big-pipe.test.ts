/**
 * Popen#communicate() moves 1 GiB through `cat` both ways: the input is written while the
 * output is drained, so neither pipe fills and blocks. Nothing of that size is held: the
 * input is made chunk by chunk, the output goes to `onStdout`, and both are checked by their
 * byte count and a running CRC-32.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { PIPE, Popen } from '../../src/index.ts';
import { Children } from '../helpers/children.ts';

const CHUNK = 1 << 20;
const CHUNKS = 1024;

const children = new Children();
after(async () => {
  assert.deepEqual(await children.stopAll(), [], 'processes left behind');
});

it('Popen#communicate() - 1 GiB through cat, written and drained at once', async () => {
  const base = randomBytes(CHUNK);
  const sent = { bytes: 0, crc: 0 };
  // Each chunk is a copy of one random block stamped with its index, so that a chunk lost,
  // repeated or reordered changes the checksum.
  function* input(): Generator<Buffer> {
    for (let i = 0; i < CHUNKS; i++) {
      const chunk = Buffer.from(base);
      chunk.writeUInt32LE(i, 0);
      sent.bytes += chunk.length;
      sent.crc = crc32(chunk, sent.crc);
      yield chunk;
    }
  }
  const received = { bytes: 0, crc: 0 };
  const proc = children.track(new Popen(['cat'], { stdin: PIPE, stdout: PIPE, stderr: PIPE }));
  const [out, err] = await proc.communicate({
    input: input(),
    onStdout: (chunk) => {
      received.bytes += chunk.length;
      received.crc = crc32(chunk, received.crc);
    },
  });
  assert.deepEqual([out, err?.length, proc.returncode], [null, 0, 0]);
  assert.equal(sent.bytes, CHUNK * CHUNKS);
  assert.deepEqual(received, sent);
});
