/**
 * Pipe() and Connection: duplex and one-way pipes, message boundaries and order, bytes with
 * offset and size, poll(), end of stream, read-only/write-only/closed misuse, and pipes
 * between the main thread and threads or processes. See docs/python-conformance.md C.15.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  Connection,
  EOFError,
  Pipe,
  SimpleQueue,
  StateError,
} from '../../src/index.ts';
import { queueTasks } from '../fixtures/queue-task-refs.ts';
import { forEachBackend } from '../helpers/backends.ts';
import {
  errorInfo,
  expected,
  joinAll,
  rejectsError,
  throwsError,
  workerPool,
} from '../helpers/sync.ts';

const workers = workerPool();

const readOnly = [StateError, 'ERR_CONNECTION_READ_ONLY', 'connection is read-only'] as const;
const writeOnly = [StateError, 'ERR_CONNECTION_WRITE_ONLY', 'connection is write-only'] as const;
const handleClosed = [StateError, 'ERR_CONNECTION_CLOSED', 'handle is closed'] as const;
const eof = [EOFError, 'ERR_EOF', 'the other end of the pipe is closed'] as const;

const messages = [1, 'two', { three: [3] }, null, new Uint8Array([4, 4]), ''];

describe('Pipe in the main thread', () => {
  it('Pipe() - duplex: each end sends to the other, boundaries and order kept', async () => {
    const [a, b] = Pipe();
    assert.deepEqual([a.readable, a.writable, b.readable, b.writable], [true, true, true, true]);
    for (const message of messages) a.send(message);
    b.send('back');
    assert.deepEqual(
      [await b.recv(), b.recvSync(), await b.recv(), b.recvSync(), await b.recv(), b.recvSync()],
      messages,
    );
    assert.equal(await a.recv(), 'back');
  });

  it('recv() refuses a message sent with sendBytes(), whatever its bytes; recvBytes() takes any', () => {
    const [reader, writer] = Pipe({ duplex: false });
    // Single bytes that the small-item encoding would read as true, 0 and a short string.
    for (const bytes of [[3], [1], [0x21, 0x68, 0x69]]) {
      writer.sendBytes(new Uint8Array(bytes));
      assert.throws(() => reader.recvSync(), {
        name: 'ArgumentTypeError',
        code: 'ERR_BAD_MESSAGE',
      });
    }
    writer.sendBytes(new Uint8Array([7, 8]));
    assert.deepEqual([...reader.recvBytesSync()], [7, 8]);
    writer.send({ n: 1 });
    assert.ok(reader.recvBytesSync().length > 0);
    writer.send('after');
    assert.equal(reader.recvSync(), 'after');
    reader.close();
    writer.close();
  });

  it('Pipe({ duplex: false }) - [reader, writer]; misuse is refused', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    assert.deepEqual([reader.readable, reader.writable], [true, false]);
    assert.deepEqual([writer.readable, writer.writable], [false, true]);
    throwsError(
      () => {
        reader.send(1);
      },
      ...readOnly,
    );
    throwsError(
      () => {
        reader.sendBytes(new Uint8Array(1));
      },
      ...readOnly,
    );
    await rejectsError(writer.recv(), ...writeOnly);
    throwsError(() => writer.recvBytesSync(), ...writeOnly);
    throwsError(() => writer.pollSync(), ...writeOnly);
    throwsError(
      () => Pipe({ duplex: 'no' as unknown as boolean }),
      ArgumentTypeError,
      'ERR_INVALID_ARG_TYPE',
      expected('duplex', 'a boolean', '`"no"` (string)'),
    );
    throwsError(
      () => new Connection(),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'Connections are made by Pipe()',
    );
  });

  it('.poll() - false when empty, true once a message or the end of the stream is there', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    assert.equal(reader.pollSync(), false);
    assert.equal(await reader.poll(5), false);
    const waiting = reader.poll(Infinity);
    writer.send('x');
    assert.equal(await waiting, true);
    assert.equal(reader.pollSync(), true);
    assert.equal(reader.recvSync(), 'x');
    writer.close();
    assert.equal(await reader.poll(), true);
  });

  it('.recv() - after the other end closed: what is left, then EOFError', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    writer.send(1);
    writer.close();
    writer.close();
    assert.equal(writer.closed, true);
    assert.equal(await reader.recv(), 1);
    await rejectsError(reader.recv(), ...eof);
    throwsError(() => reader.recvSync(), ...eof);
    const waiting = Pipe();
    const pending = waiting[0].recv();
    waiting[1].close();
    await rejectsError(pending, ...eof);
  });

  it('.close() - every use of a closed end fails with handle is closed', async () => {
    const [a] = Pipe();
    a.close();
    throwsError(
      () => {
        a.send(1);
      },
      ...handleClosed,
    );
    await rejectsError(a.recv(), ...handleClosed);
    await rejectsError(a.poll(), ...handleClosed);
    throwsError(() => a.recvBytesSync(), ...handleClosed);
  });

  it('.sendBytes(buffer, offset, size) / recvBytes(maxlength)', async () => {
    const [reader, writer] = Pipe({ duplex: false });
    const text = new TextEncoder().encode('hello world');
    writer.sendBytes(text);
    writer.sendBytes(text, 6);
    writer.sendBytes(text.buffer, 1, 3);
    writer.sendBytes(new DataView(text.buffer, 2), 0, 0);
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    assert.equal(decode(await reader.recvBytes()), 'hello world');
    assert.equal(decode(reader.recvBytesSync(5)), 'world');
    assert.equal(decode(await reader.recvBytes(3)), 'ell');
    assert.equal(decode(reader.recvBytesSync()), '');
    throwsError(
      () => {
        writer.sendBytes(text, 12);
      },
      ArgumentRangeError,
      'ERR_OUT_OF_RANGE',
      expected('offset', 'at most 11', '`12` (number)'),
    );
    throwsError(
      () => {
        writer.sendBytes(text, 5, 7);
      },
      ArgumentRangeError,
      'ERR_OUT_OF_RANGE',
      expected('size', 'at most 6', '`7` (number)'),
    );
    throwsError(
      () => {
        writer.sendBytes(text, -1);
      },
      ArgumentRangeError,
      'ERR_OUT_OF_RANGE',
      expected('offset', 'an integer from 0 and up', '`-1` (number)'),
    );
    writer.sendBytes(text);
    await rejectsError(
      reader.recvBytes(4),
      StateError,
      'ERR_BAD_MESSAGE_LENGTH',
      'bad message length',
    );
    assert.equal(reader.closed, true);
  });
});

forEachBackend(({ kind, Worker }) => {
  for (const mode of ['sync', 'async'] as const) {
    it(`Pipe - a ${kind} echoes messages back (${mode}), in order`, async () => {
      const [here, there] = Pipe();
      const worker = workers.start(
        new Worker({ target: queueTasks.echo, args: [there, messages.length, mode] }),
      );
      for (const message of messages) here.send(message);
      const back: unknown[] = [];
      for (let i = 0; i < messages.length; i++) back.push(await here.recv());
      await joinAll([worker]);
      assert.deepEqual(back, messages);
    });

    it(`Pipe - a ${kind} sends and closes; the main thread reads to the end (${mode})`, async () => {
      const [reader, writer] = Pipe({ duplex: false });
      await joinAll([
        workers.start(new Worker({ target: queueTasks.sendThenClose, args: [writer, messages] })),
      ]);
      const got: unknown[] = [];
      for (let i = 0; i < messages.length; i++) {
        got.push(mode === 'sync' ? reader.recvSync() : await reader.recv());
      }
      assert.deepEqual(got, messages);
      assert.equal(new TextDecoder().decode(await reader.recvBytes()), 'bytes');
      await rejectsError(reader.recv(), ...eof);
    });

    it(`Pipe - the main thread sends and closes; a ${kind} reads to the end (${mode})`, async () => {
      const [reader, writer] = Pipe({ duplex: false });
      const report = new SimpleQueue();
      const worker = workers.start(
        new Worker({
          target: queueTasks.recvUntilEof,
          args: [reader, messages.length, mode, report],
        }),
      );
      for (const message of messages) writer.send(message);
      writer.sendBytes(new TextEncoder().encode('some bytes'));
      writer.close();
      await joinAll([worker]);
      assert.deepEqual(report.getSync(), {
        messages,
        bytes: 'some bytes',
        polled: true,
        eof: errorInfo(...eof),
      });
    });
  }

  it(`Pipe - read-only and write-only misuse in a ${kind}`, async () => {
    const [reader, writer] = Pipe({ duplex: false });
    const report = new SimpleQueue();
    await joinAll([
      workers.start(new Worker({ target: queueTasks.pipeMisuse, args: [reader, writer, report] })),
    ]);
    assert.deepEqual(report.getSync(), {
      sendOnReader: errorInfo(...readOnly),
      recvOnWriter: errorInfo(...writeOnly),
      pollEmpty: false,
    });
  });
});
