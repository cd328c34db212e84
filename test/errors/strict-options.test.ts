/**
 * Strict options (issue 19): every public constructor and method that takes an options
 * object refuses a key it does not know, naming the nearest known one, as Python refuses an
 * unexpected keyword argument; a task reference or a function passed where the options
 * object goes is refused with what to pass instead. Plain JavaScript gets these errors where
 * TypeScript would have refused the call, so each call is made through `unknown`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentTypeError,
  Barrier,
  Event,
  Lock,
  Manager,
  Pool,
  Popen,
  Process,
  ProcessPoolExecutor,
  Queue,
  RLock,
  ShareableList,
  SharedArray,
  SharedMemory,
  Thread,
  ThreadPool,
  ThreadPoolExecutor,
  Value,
} from '../../src/index.ts';
import { call, run } from '../../src/subprocess/index.ts';
import { editDistance, nearestName } from '../../src/internal/options.ts';
import { tasks } from '../fixtures/task-refs.ts';

/** Calls `f` with `args` as plain JavaScript would: no type checks. */
const loose = (f: unknown): ((...args: unknown[]) => unknown) =>
  f as (...args: unknown[]) => unknown;
/** As {@link loose}, for a constructor. */
const looseNew = (C: unknown): new (...args: unknown[]) => unknown =>
  C as new (...args: unknown[]) => unknown;

function refused(code: string, message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ArgumentTypeError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    return true;
  };
}

interface Row {
  readonly name: string;
  readonly call: () => unknown;
  readonly message: string;
}

const unknownKeys: readonly Row[] = [
  {
    name: 'new Thread',
    call: () => new (looseNew(Thread))({ target: tasks.noop, arg: [3] }),
    message: 'Unknown option `arg` of new Thread(); did you mean `args`?',
  },
  {
    name: 'new Process',
    call: () => new (looseNew(Process))({ target: tasks.noop, deamon: true }),
    message: 'Unknown option `deamon` of new Process(); did you mean `daemon`?',
  },
  {
    name: 'new Pool',
    call: () => new (looseNew(Pool))({ procesess: 1 }),
    message: 'Unknown option `procesess` of new Pool(); did you mean `processes`?',
  },
  {
    name: 'new ThreadPool',
    call: () => new (looseNew(ThreadPool))({ maxtasksperchild: 1 }),
    message:
      'Unknown option `maxtasksperchild` of new ThreadPool(); did you mean `maxTasksPerChild`?',
  },
  {
    name: 'new ThreadPoolExecutor',
    call: () => new (looseNew(ThreadPoolExecutor))({ max_workers: 2 }),
    message: 'Unknown option `max_workers` of new ThreadPoolExecutor(); did you mean `maxWorkers`?',
  },
  {
    name: 'new ProcessPoolExecutor',
    call: () => new (looseNew(ProcessPoolExecutor))({ workers: 2 }),
    message:
      'Unknown option `workers` of new ProcessPoolExecutor(); known options: `maxWorkers`, ' +
      '`initializer`, `initargs`, `maxQueueSize`, `maxTasksPerChild`',
  },
  {
    name: 'new Value',
    call: () => new (looseNew(Value))('i', 0, { lok: false }),
    message: 'Unknown option `lok` of new Value(); did you mean `lock`?',
  },
  {
    name: 'new SharedArray',
    call: () => new (looseNew(SharedArray))('d', 2, { locked: false }),
    message: 'Unknown option `locked` of new SharedArray(); did you mean `lock`?',
  },
  {
    name: 'new SharedMemory',
    call: () => new (looseNew(SharedMemory))({ create: true, sise: 8 }),
    message: 'Unknown option `sise` of new SharedMemory(); did you mean `size`?',
  },
  {
    name: 'new ShareableList',
    call: () => new (looseNew(ShareableList))([1], { nmae: 'x' }),
    message: 'Unknown option `nmae` of new ShareableList(); did you mean `name`?',
  },
  {
    name: 'new Lock',
    call: () => new (looseNew(Lock))({ nmae: 'accounts' }),
    message: 'Unknown option `nmae` of new Lock(); did you mean `name`?',
  },
  {
    name: 'new RLock',
    call: () => new (looseNew(RLock))({ Name: 'accounts' }),
    message: 'Unknown option `Name` of new RLock(); did you mean `name`?',
  },
  {
    name: 'new Barrier',
    call: () => new (looseNew(Barrier))(2, { timout: 5 }),
    message: 'Unknown option `timout` of new Barrier(); did you mean `timeout`?',
  },
  {
    name: 'new Manager',
    call: () => new (looseNew(Manager))({ adress: '/tmp/x' }),
    message: 'Unknown option `adress` of new Manager(); did you mean `address`?',
  },
  {
    name: 'Manager.register',
    call: () => loose(Manager.register.bind(Manager))('T', null, { expose: [] }),
    message: 'Unknown option `expose` of register(); did you mean `exposed`?',
  },
  {
    name: 'new Popen',
    call: () => new (looseNew(Popen))(['true'], { start_new_session: true }),
    message: 'Unknown option `start_new_session` of new Popen(); did you mean `startNewSession`?',
  },
  {
    name: 'new Popen (a run() option)',
    call: () => new (looseNew(Popen))(['true'], { captureOutput: true }),
    message:
      'Unknown option `captureOutput` of new Popen(); known options: `stdin`, `stdout`, ' +
      '`stderr`, `cwd`, `env`, `shell`, `text`, `encoding`, `errors`, `startNewSession`',
  },
  {
    name: 'lock.acquireSync',
    call: () => loose(new Lock().acquireSync.bind(new Lock()))({ blocked: false }),
    message: 'Unknown option `blocked` of acquire(); did you mean `blocking`?',
  },
  {
    name: 'queue.getSync',
    call: () => {
      const queue = new Queue<number>();
      return loose(queue.getSync.bind(queue))({ blocking: false });
    },
    message: 'Unknown option `blocking` of get(); did you mean `block`?',
  },
  {
    name: 'queue.putSync',
    call: () => {
      const queue = new Queue<number>();
      return loose(queue.putSync.bind(queue))(1, { transfers: [] });
    },
    message: 'Unknown option `transfers` of put(); did you mean `transfer`?',
  },
];

const unknownKeysAsync: readonly Row[] = [
  {
    name: 'run',
    call: () => loose(run)(['true'], { captureOutput: true, chek: true }),
    message: 'Unknown option `chek` of run(); did you mean `check`?',
  },
  {
    name: 'call',
    call: () => loose(call)(['true'], { timeOut: 5 }),
    message: 'Unknown option `timeOut` of call(); did you mean `timeout`?',
  },
  {
    name: 'event.wait',
    call: () => {
      const event = new Event();
      return loose(event.wait.bind(event))({ timeot: 1 });
    },
    message: 'Unknown option `timeot` of wait(); did you mean `timeout`?',
  },
  {
    name: 'thread.join',
    call: () => {
      const thread = new Thread({ target: tasks.noop });
      thread.start();
      return (loose(thread.join.bind(thread))({ timeOut: 1 }) as Promise<void>).finally(() =>
        thread.join(),
      );
    },
    message: 'Unknown option `timeOut` of join(); did you mean `timeout`?',
  },
];

describe('strict options', () => {
  for (const row of unknownKeys) {
    it(`${row.name}: an unknown key is refused with the nearest known one`, () => {
      assert.throws(row.call, refused('ERR_UNKNOWN_OPTION', row.message));
    });
  }
  for (const row of unknownKeysAsync) {
    it(`${row.name}: an unknown key is refused with the nearest known one`, async () => {
      await assert.rejects(
        () => Promise.resolve().then(row.call),
        refused('ERR_UNKNOWN_OPTION', row.message),
      );
    });
  }

  it('a task reference or a function where the options go is refused with what to pass', () => {
    for (const C of [Thread, Process]) {
      assert.throws(
        () => new (looseNew(C))(tasks.noop),
        refused(
          'ERR_INVALID_ARG_TYPE',
          `Expected the options of new ${C.name}() to be an options object, got the task ` +
            'reference `noop`: pass `{ target: task }`',
        ),
      );
    }
    assert.throws(
      () => new (looseNew(Thread))(function work() {}),
      refused(
        'ERR_INVALID_ARG_TYPE',
        'Expected the options of new Thread() to be an options object, got `work` (function): ' +
          'pass `{ target: task }`',
      ),
    );
    assert.throws(
      () => new (looseNew(Pool))(tasks.noop),
      refused(
        'ERR_INVALID_ARG_TYPE',
        'Expected the options of new Pool() to be an options object, got the task reference ' +
          '`noop`: pass the task to a call (`map`, `submit`), and options here',
      ),
    );
  });

  it('pool and executor calls refuse an unknown key before queuing, and go on serving', async () => {
    await using pool = new ThreadPool(1);
    await using executor = new ThreadPoolExecutor(1);
    const calls: readonly [() => unknown, string][] = [
      [
        () => loose(pool.apply.bind(pool))(tasks.add, [1, 2], { timeOut: 5 }),
        'timeOut of pool.apply(); did you mean `timeout`',
      ],
      [
        () => loose(pool.applyAsync.bind(pool))(tasks.add, [1, 2], { callbak: () => {} }),
        'callbak of pool.applyAsync(); did you mean `callback`',
      ],
      [
        () => loose(pool.map.bind(pool))(tasks.add, [1], { chunkSize: 1 }),
        'chunkSize of pool.map(); did you mean `chunksize`',
      ],
      [
        () => loose(pool.starmapAsync.bind(pool))(tasks.add, [[1, 2]], { errorCallbak: () => {} }),
        'errorCallbak of pool.starmap(); did you mean `errorCallback`',
      ],
      [
        () => loose(pool.imap.bind(pool))(tasks.add, [1], { onProgres: () => {} }),
        'onProgres of pool.imap(); did you mean `onProgress`',
      ],
      [
        () => loose(pool.imapUnordered.bind(pool))(tasks.add, [1], { chunksiz: 2 }),
        'chunksiz of pool.imapUnordered(); did you mean `chunksize`',
      ],
      [
        () => loose(executor.submitWith.bind(executor))(tasks.add, [1, 2], { signl: undefined }),
        'signl of executor.submitWith(); did you mean `signal`',
      ],
      [
        () => loose(executor.map.bind(executor))(tasks.add, [1], [2], { bufferSize: 1 }),
        'bufferSize of executor.map(); did you mean `buffersize`',
      ],
    ];
    for (const [call, message] of calls) {
      const [key, rest] = message.split(' of ') as [string, string];
      const [where, hint] = rest.split('; ') as [string, string];
      assert.throws(
        call,
        refused('ERR_UNKNOWN_OPTION', `Unknown option \`${key}\` of ${where}; ${hint}?`),
      );
    }
    // The refused calls broke nothing: the next calls are served.
    assert.equal(await pool.apply(tasks.add, [2, 3]), 5);
    assert.equal(await executor.submit(tasks.add, 4, 5).result(), 9);
  });

  it('known keys, and keys set to undefined, are accepted', async () => {
    const thread = new Thread({ target: tasks.noop, name: 'ok', daemon: false, args: [] });
    thread.start();
    await thread.join({ timeout: undefined });
    assert.equal(thread.exitCode, 0);
    assert.equal(new Value('i', 1, { lock: false }).value, 1);
  });
});

describe('nearest name', () => {
  it('counts insertions, deletions, substitutions and swaps, ignoring case', () => {
    assert.equal(editDistance('arg', 'args'), 1);
    assert.equal(editDistance('procesess', 'processes'), 1);
    assert.equal(editDistance('max_workers', 'maxWorkers'), 0);
    assert.equal(editDistance('deamon', 'daemon'), 1);
    assert.equal(editDistance('MAXWORKERS', 'maxWorkers'), 0);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests only a name near enough', () => {
    assert.equal(nearestName('arg', ['target', 'args']), 'args');
    assert.equal(nearestName('xyz', ['target', 'args']), undefined);
    assert.equal(nearestName('blocked', ['blocking', 'timeout']), 'blocking');
  });
});
