/**
 * Connection.recvBytesInto / recvBytesIntoSync, Python's `recv_bytes_into`: the message is
 * copied into the caller's buffer at a byte offset and its length returned; a message
 * longer than the room left fails with BufferTooShortError carrying it (and is taken); a
 * bad offset is refused before anything is received.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArgumentRangeError, EOFError, Pipe, StateError } from '../../src/index.ts';
import { BufferTooShortError } from '../../src/errors.ts';
import { queueTasks } from '../fixtures/queue-task-refs.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { expected, joinAll, rejectsError, throwsError, workerPool } from '../helpers/sync.ts';

const workers = workerPool();
const text = new TextEncoder();

describe('Connection.recvBytesInto()', () => {
  it('.recvBytesInto() - copies at the offset and returns the length; the rest is untouched', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    writer.sendBytes(text.encode('hello'));
    writer.sendBytes(text.encode('abc'));
    writer.sendBytes(new Uint8Array(0));
    const buffer = new Uint8Array(10).fill(0x2e); // '.'
    assert.equal(await reader.recvBytesInto(buffer, 2), 5);
    assert.equal(new TextDecoder().decode(buffer), '..hello...');
    assert.equal(reader.recvBytesIntoSync(buffer), 3);
    assert.equal(new TextDecoder().decode(buffer), 'abcello...');
    assert.equal(reader.recvBytesIntoSync(buffer, 10), 0);
  });

  it('.recvBytesInto() - ArrayBuffer, SharedArrayBuffer, wider typed arrays, DataView and Buffer views', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    const message = new Uint8Array([1, 2, 3, 4]);
    for (let i = 0; i < 5; i++) writer.sendBytes(message);

    const plain = new ArrayBuffer(6);
    assert.equal(await reader.recvBytesInto(plain, 1), 4);
    assert.deepEqual([...new Uint8Array(plain)], [0, 1, 2, 3, 4, 0]);

    const shared = new SharedArrayBuffer(4);
    assert.equal(reader.recvBytesIntoSync(shared), 4);
    assert.deepEqual([...new Uint8Array(shared)], [1, 2, 3, 4]);

    // The offset counts bytes, also in a view of wider elements; a view's own offset is kept.
    const words = new Uint16Array(new ArrayBuffer(12), 2, 4);
    assert.equal(await reader.recvBytesInto(words, 2), 4);
    assert.deepEqual([...new Uint8Array(words.buffer)], [0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0]);

    const view = new DataView(new ArrayBuffer(4));
    assert.equal(reader.recvBytesIntoSync(view), 4);
    assert.equal(view.getUint32(0), 0x01020304);

    const buffer = Buffer.alloc(4);
    assert.equal(await reader.recvBytesInto(buffer), 4);
    assert.deepEqual([...buffer], [1, 2, 3, 4]);
  });

  it('.recvBytesInto() - too short: BufferTooShortError carries the message, which is taken', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    writer.sendBytes(text.encode('too long'));
    writer.sendBytes(text.encode('fits'));
    const buffer = new Uint8Array(6);
    const error = await reader.recvBytesInto(buffer, 2).then(
      () => assert.fail('no error'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof BufferTooShortError);
    assert.equal(error.code, 'ERR_BUFFER_TOO_SHORT');
    assert.equal(
      error.message,
      "the buffer is too short: the message has 8 bytes, the buffer room for 4; the message is in the error's `bytes`",
    );
    assert.equal(new TextDecoder().decode(error.bytes), 'too long');
    assert.deepEqual([...buffer], [0, 0, 0, 0, 0, 0]);
    assert.equal(reader.recvBytesIntoSync(buffer, 2), 4);
    assert.equal(new TextDecoder().decode(buffer.subarray(2)), 'fits');

    writer.sendBytes(text.encode('x'));
    throwsError(
      () => reader.recvBytesIntoSync(new Uint8Array(0)),
      BufferTooShortError,
      'ERR_BUFFER_TOO_SHORT',
      "the buffer is too short: the message has 1 bytes, the buffer room for 0; the message is in the error's `bytes`",
    );
    assert.equal(reader.pollSync(), false);
  });

  it('.recvBytesInto() - a bad buffer or offset is refused before receiving', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    writer.sendBytes(text.encode('kept'));
    const buffer = new Uint8Array(4);
    throwsError(
      () => reader.recvBytesIntoSync(buffer, -1),
      ArgumentRangeError,
      'ERR_OUT_OF_RANGE',
      expected('offset', 'an integer from 0 and up', '`-1` (number)'),
    );
    await rejectsError(
      reader.recvBytesInto(buffer, 5),
      ArgumentRangeError,
      'ERR_OUT_OF_RANGE',
      expected('offset', 'at most 4', '`5` (number)'),
    );
    throwsError(
      () => reader.recvBytesIntoSync('text' as unknown as Uint8Array),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      expected(
        'buffer',
        'an ArrayBuffer, a SharedArrayBuffer or a view of one',
        '`"text"` (string)',
      ),
    );
    assert.equal(reader.recvBytesIntoSync(buffer), 4);
    assert.equal(new TextDecoder().decode(buffer), 'kept');
  });

  it('.recvBytesInto() - end of stream and misuse as recv()', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    writer.close();
    await rejectsError(
      reader.recvBytesInto(new Uint8Array(1)),
      EOFError,
      'ERR_EOF',
      'the other end of the pipe is closed',
    );
    throwsError(
      () => writer.recvBytesIntoSync(new Uint8Array(1)),
      StateError,
      'ERR_CONNECTION_CLOSED',
      'handle is closed',
    );
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`.recvBytesInto() - bytes a ${kind} sent`, async () => {
    const [reader, writer] = Pipe({ duplex: false });
    await joinAll([
      workers.start(new Worker({ target: queueTasks.sendThenClose, args: [writer, ['skip']] })),
    ]);
    assert.equal(await reader.recv(), 'skip');
    const buffer = new Uint8Array(8);
    // sendThenClose sends 'raw bytes'.slice(4, 9).
    assert.equal(await reader.recvBytesInto(buffer, 3), 5);
    assert.equal(new TextDecoder().decode(buffer.subarray(3)), 'bytes');
  });
});
