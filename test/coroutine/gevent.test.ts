/**
 * gevent-style greenlets: spawn and the loop's order, sleep, join/get/kill/link, joinAll,
 * killAll and Timeout (docs/python-conformance.md E.4-E.8). Order and values only: sleeps
 * are a few milliseconds and nothing is timed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ArgumentTypeError,
  getcurrent,
  gevent,
  GreenletExit,
  joinAll,
  killAll,
  sleep,
  spawn,
  spawnLater,
  Timeout,
} from '../../src/index.ts';
import { runScript } from '../helpers/scripts.ts';

/** Errors the hub would print: collected instead, and checked by the tests that cause them. */
const unhandled: { who: string; error: unknown }[] = [];
let previousHandler: gevent.ErrorHandler | null = null;
before(() => {
  previousHandler = gevent.setErrorHandler((who, error) => unhandled.push({ who, error }));
});
after(() => {
  gevent.setErrorHandler(previousHandler);
});

describe('spawn() - E.4', () => {
  it('spawn() - schedules the greenlet; it runs when the spawner yields', async () => {
    const log: string[] = [];
    const g = spawn((name: string) => {
      log.push(`run ${name}`);
    }, 'a');
    log.push('spawned');
    assert.equal(g.started, false);
    await g.join();
    assert.deepEqual(log, ['spawned', 'run a']);
    assert.equal(g.parent, gevent.getHub());
  });

  it('spawn() - a non-function is refused', () => {
    assert.throws(() => spawn(42 as never), ArgumentTypeError);
  });

  it('spawn() - greenlets start in the order spawned and interleave at sleep(0)', async () => {
    const log: string[] = [];
    const worker = async (name: string): Promise<void> => {
      for (let i = 1; i <= 3; i++) {
        log.push(`${name}${i}`);
        await sleep(0);
      }
    };
    await joinAll([spawn(worker, 'a'), spawn(worker, 'b'), spawn(worker, 'c')]);
    assert.deepEqual(log, ['a1', 'b1', 'c1', 'a2', 'b2', 'c2', 'a3', 'b3', 'c3']);
  });

  it('the course program: two sleeping tasks overlap; each finishes by itself', async () => {
    const log: string[] = [];
    const task = async (name: string, ms: number): Promise<string> => {
      log.push(`${name} start`);
      await sleep(ms);
      log.push(`${name} end`);
      return name;
    };
    const done = await joinAll([spawn(task, 'eat', 3), spawn(task, 'play', 4)]);
    // Both started before either ended: the sleeps overlap. Which ends first is the timers'.
    assert.deepEqual(log.slice(0, 2), ['eat start', 'play start']);
    assert.deepEqual(log.slice(2).sort(), ['eat end', 'play end']);
    assert.deepEqual(
      done.map((g) => g.value),
      log.slice(2).map((line) => line.split(' ')[0]),
    );
  });

  it('spawnLater() - starts after the delay, after greenlets spawned at once', async () => {
    const log: string[] = [];
    const later = spawnLater(50, () => log.push('later'));
    const now = spawn(() => log.push('now'));
    await joinAll([later, now]);
    assert.deepEqual(log, ['now', 'later']);
  });
});

describe('ready(), successful(), value, exception - E.5', () => {
  it('a greenlet that returns: ready, successful, value', async () => {
    const g = spawn(() => 42);
    assert.equal(g.ready(), false);
    assert.equal(g.successful(), false);
    assert.equal(g.value, undefined);
    await g.join();
    assert.deepEqual([g.ready(), g.successful(), g.value, g.exception], [true, true, 42, null]);
  });

  it('a greenlet that throws: not successful, the exception kept, reported once', async () => {
    const before = unhandled.length;
    const error = new RangeError('failed');
    const g = spawn(() => {
      throw error;
    });
    await g.join();
    assert.deepEqual(
      [g.ready(), g.successful(), g.value, g.exception],
      [true, false, undefined, error],
    );
    assert.deepEqual(
      unhandled.slice(before).map((u) => u.error),
      [error],
    );
  });
});

describe('get() and join() - E.6', () => {
  it('.get() - the value, or the error rethrown', async () => {
    assert.equal(await spawn(() => Promise.resolve('v')).get(), 'v');
    const failing = spawn(() => {
      throw new TypeError('bad');
    });
    await assert.rejects(failing.get(), { name: 'TypeError', message: 'bad' });
  });

  it('.get({ block: false }) and .get({ timeout }) on a running greenlet throw Timeout', async () => {
    const event = new gevent.Event();
    const g = spawn(() => event.wait());
    await assert.rejects(
      g.get({ block: false }),
      (e) => e instanceof Timeout && e.code === 'ERR_GEVENT_TIMEOUT',
    );
    await assert.rejects(g.get({ timeout: 1 }), (e) => e instanceof Timeout && e.ms === 1);
    event.set();
    assert.equal(await g.get(), true);
  });

  it('.join(ms) - resolves with nothing when the time is up; the greenlet still runs', async () => {
    const event = new gevent.Event();
    const g = spawn(() => event.wait());
    await g.join(1);
    assert.equal(g.ready(), false);
    event.set();
    await g.join();
    assert.equal(g.ready(), true);
  });
});

describe('kill() - E.7', () => {
  it('.kill() - GreenletExit at its switch point; finally runs; successful; value is the exit', async () => {
    const log: string[] = [];
    const g = spawn(async () => {
      try {
        await sleep(10_000);
      } finally {
        log.push('finally');
      }
    });
    await sleep(0);
    await g.kill();
    assert.deepEqual(log, ['finally']);
    assert.equal(g.successful(), true);
    assert.ok(g.value instanceof GreenletExit);
  });

  it('.kill({ exception }) - a custom error: not successful, exception kept', async () => {
    const g = spawn(() => sleep(10_000));
    await sleep(0);
    const error = new Error('stop now');
    await g.kill({ exception: error });
    assert.equal(g.successful(), false);
    assert.equal(g.exception, error);
    assert.ok(unhandled.some((u) => u.error === error));
    // A class is constructed: the greenlet dies of a new instance.
    const h = spawn(() => sleep(10_000));
    await sleep(0);
    await h.kill({ exception: RangeError });
    assert.ok(h.exception instanceof RangeError);
  });

  it('.kill() before start: never runs, links fire; repeatable; fine on a dead greenlet', async () => {
    let ran = false;
    const linked: unknown[] = [];
    const g = spawn(() => {
      ran = true;
    });
    g.link((x) => {
      linked.push(x);
    });
    await g.kill();
    await g.kill();
    await sleep(0);
    assert.equal(ran, false);
    assert.equal(g.ready(), true);
    assert.deepEqual(linked, [g]);
  });

  it('.kill({ block: false }) - returns before the greenlet dies', async () => {
    const g = spawn(async () => {
      try {
        await sleep(10_000);
      } catch {
        await sleep(0); // still alive when kill() returns
        return 'cleaned up';
      }
      return 'slept';
    });
    await sleep(0);
    await g.kill({ block: false });
    assert.equal(g.ready(), false);
    assert.equal(await g.get(), 'cleaned up');
  });
});

describe('joinAll(), killAll(), links - E.8', () => {
  it('joinAll() - finished greenlets in the order they finished', async () => {
    const order = [3, 1, 2].map((n) =>
      spawn(async () => {
        for (let i = 0; i < n; i++) await sleep(0);
        return n;
      }),
    );
    const done = await joinAll(order);
    assert.deepEqual(
      done.map((g) => g.value),
      [1, 2, 3],
    );
  });

  it('joinAll({ count }) - returns once that many finished', async () => {
    const event = new gevent.Event();
    const fast = spawn(() => 'fast');
    const slow = spawn(() => event.wait());
    const done = await joinAll([slow, fast], { count: 1 });
    assert.deepEqual(done, [fast]);
    event.set();
    await slow.join();
  });

  it('joinAll({ timeout }) - returns those finished when the time is up', async () => {
    const event = new gevent.Event();
    const fast = spawn(() => 'fast');
    const slow = spawn(() => event.wait());
    assert.deepEqual(await joinAll([fast, slow], { timeout: 50 }), [fast]);
    event.set();
    await slow.join();
  });

  it('joinAll({ raiseError }) - throws the error of the first to fail, at once', async () => {
    const event = new gevent.Event();
    const error = new Error('first failure');
    const slow = spawn(() => event.wait());
    const failing = spawn(() => {
      throw error;
    });
    await assert.rejects(joinAll([slow, failing], { raiseError: true }), (e) => e === error);
    assert.equal(slow.ready(), false);
    event.set();
    await slow.join();
  });

  it('killAll() - every greenlet dies, each with the given error', async () => {
    const gs = [1, 2, 3].map(() => spawn(() => sleep(10_000)));
    await sleep(0);
    await killAll(gs);
    assert.deepEqual(
      gs.map((g) => [g.ready(), g.value instanceof GreenletExit]),
      [
        [true, true],
        [true, true],
        [true, true],
      ],
    );
  });

  it('.link(), .linkValue(), .linkException() - run from the loop; a link after ready still fires', async () => {
    const log: string[] = [];
    const ok = spawn(() => 'ok');
    const bad = spawn(() => {
      throw new Error('bad');
    });
    for (const [name, g] of [
      ['ok', ok],
      ['bad', bad],
    ] as const) {
      g.link(() => log.push(`${name} link`));
      g.linkValue(() => log.push(`${name} value`));
      g.linkException(() => log.push(`${name} exception`));
    }
    await joinAll([ok, bad]);
    await sleep(0);
    ok.link(() => log.push('late link'));
    await sleep(0);
    assert.deepEqual(log, ['ok link', 'ok value', 'bad link', 'bad exception', 'late link']);
  });
});

describe('Timeout', () => {
  it('startTimeout() - raised in the greenlet at its next switch point', async () => {
    const g = spawn(async () => {
      const timeout = gevent.startTimeout(1);
      try {
        await sleep(10_000);
        return 'slept';
      } catch (error) {
        return error === timeout.error ? 'timed out' : 'other';
      }
    });
    assert.equal(await g.get(), 'timed out');
  });

  it('startTimeout() - a custom error; a cancelled timeout raises nothing', async () => {
    const custom = new Error('too slow');
    const scope = gevent.startTimeout(1, custom);
    await assert.rejects(sleep(10_000), (e) => e === custom);
    assert.equal(scope.pending, false);
    {
      using _scope = gevent.startTimeout(10_000);
      await sleep(0);
    }
    await sleep(1);
  });

  it('withTimeout() - the Timeout, or timeoutValue when given', async () => {
    const event = new gevent.Event();
    await assert.rejects(
      gevent.withTimeout(1, () => event.wait()),
      (e) => e instanceof Timeout,
    );
    assert.equal(await gevent.withTimeout(1, () => event.wait(), { timeoutValue: 'late' }), 'late');
    assert.equal(await gevent.withTimeout(10_000, () => 'quick'), 'quick');
  });

  it('a timeout in the main greenlet', async () => {
    const main = getcurrent();
    const scope = gevent.startTimeout(1);
    await assert.rejects(sleep(10_000), (e) => e === scope.error);
    assert.equal(getcurrent(), main);
  });
});

describe('LoopExit', () => {
  it('every greenlet blocked with nothing left to wake them: LoopExit, main greenlet first; none for one abandoned in a switch', async () => {
    const { code, stdout } = await runScript('loop-exit.ts').done;
    assert.equal(code, 0);
    assert.deepEqual(stdout.trim().split('\n'), [
      'main: LoopExit ERR_LOOP_EXIT',
      'greenlet ready: false',
      'hub: Greenlet-2 (waiter) failed with LoopExit',
    ]);
  });
});
