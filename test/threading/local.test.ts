/**
 * local(): each thread, each process, the main thread and each greenlet see their own
 * attributes; a subclass's init runs once per thread and greenlet with the original
 * arguments; arguments without init are refused (docs/python-conformance.md A.14).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArgumentTypeError, Greenlet, Local, local, Queue, gevent } from '../../src/index.ts';
import { colors, data, initCount, visit, type Seen } from '../fixtures/local-tasks.ts';
import { localTasks } from '../fixtures/local-task-refs.ts';
import { forEachBackend } from '../helpers/backends.ts';
import { workerPool } from '../helpers/sync.ts';

const workers = workerPool();

describe('local() in one thread', () => {
  it('local() - attributes set, read, listed and deleted like an object', () => {
    const mine = local();
    mine.a = 1;
    mine.b = 'two';
    assert.deepEqual(Object.keys(mine), ['a', 'b']);
    assert.equal('a' in mine, true);
    delete mine.a;
    assert.equal(mine.a, undefined);
    assert.deepEqual(Object.entries(mine), [['b', 'two']]);
  });

  it('local() - each greenlet sees its own attributes; the thread keeps its own', async () => {
    const mine = local();
    mine.who = 'main';
    const seen: unknown[] = [];
    const a = gevent.spawn(async () => {
      seen.push(['a before', mine.who]);
      mine.who = 'a';
      await gevent.sleep(0);
      seen.push(['a after', mine.who]);
    });
    const b = gevent.spawn(async () => {
      seen.push(['b before', mine.who]);
      mine.who = 'b';
      await gevent.sleep(0);
      seen.push(['b after', mine.who]);
    });
    await gevent.joinAll([a, b]);
    assert.deepEqual(seen, [
      ['a before', undefined],
      ['b before', undefined],
      ['a after', 'a'],
      ['b after', 'b'],
    ]);
    assert.equal(mine.who, 'main');
  });

  it('Local subclass - init runs at construction and once per greenlet, with the original args', async () => {
    const before = initCount;
    const fromGreenlet = (await new Greenlet(() => visit('g1')).switch()) as Seen;
    assert.deepEqual(fromGreenlet.before, { name: null, color: 'red', size: 3 });
    assert.equal(initCount, before + 1);
    // The same greenlet's second touch does not run init again; the thread's scope keeps its own.
    assert.equal(colors.color, 'red');
    assert.equal(data.name, undefined);
    assert.equal(initCount, before + 1);
  });

  it('new Local(args) without init - refused, as Python refuses local(args)', () => {
    assert.throws(
      () => new Local('x'),
      (error) =>
        error instanceof ArgumentTypeError &&
        error.message === 'Initialization arguments are not supported',
    );
  });
});

forEachBackend(({ kind, Worker }) => {
  it(`local() - each ${kind} has its own attributes and runs init once, with its own greenlets`, async () => {
    data.name = 'main';
    const results = new Queue();
    for (const name of ['w1', 'w2']) {
      await workers.run(new Worker({ target: localTasks.probe, args: [name, results] }));
    }
    const reports = [await results.get(), await results.get()] as {
      name: string;
      fromThread: Seen;
      fromGreenlet: Seen;
      again: Seen;
      inits: number;
    }[];
    for (const report of reports) {
      const { name } = report;
      // A fresh worker: nothing set yet, init's values only.
      assert.deepEqual(report.fromThread.before, { name: null, color: 'red', size: 3 });
      assert.deepEqual(report.fromThread.after, { name, color: name });
      // Its greenlet: its own scope again, initialized afresh.
      assert.deepEqual(report.fromGreenlet.before, { name: null, color: 'red', size: 3 });
      // Back in the worker's own code: its values are still there.
      assert.deepEqual(report.again.before, { name, color: name, size: 3 });
      // init ran at construction (the worker's own scope) and in its greenlet: twice.
      assert.equal(report.inits, 2);
    }
    assert.equal(data.name, 'main');
    assert.equal(colors.color, 'red');
  });

  it(`Greenlet - a ${kind} that receives a greenlet cannot switch to it (ERR_GREENLET_WRONG_THREAD)`, async () => {
    const results = new Queue();
    const g = new Greenlet(() => 'never');
    await workers.run(new Worker({ target: localTasks.switchForeign, args: [g, results] }));
    assert.equal(await results.get(), 'ERR_GREENLET_WRONG_THREAD');
    assert.equal(g.started, false);
  });
});
