/**
 * Future, wait() and asCompleted(): Python's concurrent.futures semantics (conformance
 * D.1–D.4, D.10–D.12), on futures the tests create and settle themselves; no workers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_COMPLETED,
  ArgumentRangeError,
  ArgumentTypeError,
  asCompleted,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  InvalidStateError,
  StateError,
  TimeoutError,
  wait,
  type ReturnWhen,
} from '../../src/index.ts';

/** Runs every queued microtask (and so every promise continuation that is ready). */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A future already running, as an executor leaves it when it dispatches the task. */
function running<T = number>(): Future<T> {
  const future = new Future<T>();
  assert.equal(future.setRunningOrNotifyCancel(), true);
  return future;
}

function finished<T>(value: T): Future<T> {
  const future = running<T>();
  future.setResult(value);
  return future;
}

function failed(error: unknown): Future<number> {
  const future = running();
  future.setException(error);
  return future;
}

function cancelled(): Future<number> {
  const future = new Future<number>();
  assert.equal(future.cancel(), true);
  return future;
}

function states<T>(future: Future<T>): [boolean, boolean, boolean] {
  return [future.running(), future.done(), future.cancelled()];
}

/** Replaces console.error while `body` runs; returns what it was called with. */
function captureConsoleError(body: () => void): unknown[][] {
  const calls: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    calls.push(args);
  };
  try {
    body();
  } finally {
    console.error = original;
  }
  return calls;
}

// A future that never settles would hang a broken wait(): bound each test instead.
describe('Future (D.1–D.4)', { timeout: 10_000 }, () => {
  it('.cancel() succeeds while pending and again once cancelled (D.1)', () => {
    const future = new Future<number>();
    assert.deepEqual(states(future), [false, false, false]);
    assert.equal(String(future), '<Future state=pending>');
    assert.equal(future.cancel(), true);
    assert.deepEqual(states(future), [false, true, true]);
    assert.equal(future.cancel(), true);
    assert.deepEqual(states(future), [false, true, true]);
    assert.equal(String(future), '<Future state=cancelled>');
  });

  it('.cancel() fails once running or finished; the states stay consistent (D.1)', () => {
    const future = running();
    assert.deepEqual(states(future), [true, false, false]);
    assert.equal(String(future), '<Future state=running>');
    assert.equal(future.cancel(), false);
    assert.deepEqual(states(future), [true, false, false]);
    future.setResult(7);
    assert.deepEqual(states(future), [false, true, false]);
    assert.equal(future.cancel(), false);
    assert.equal(String(future), '<Future state=finished returned number>');
    const failure = failed(new RangeError('no'));
    assert.equal(failure.cancel(), false);
    assert.deepEqual(states(failure), [false, true, false]);
    assert.equal(String(failure), '<Future state=finished raised RangeError>');
  });

  it('.result(t) and .exception(t) time out, t = 0 included, while not done (D.2)', async () => {
    for (const future of [new Future<number>(), running()]) {
      await assert.rejects(future.result(0), TimeoutError);
      await assert.rejects(future.exception(0), TimeoutError);
      await assert.rejects(future.result(20), (error) => {
        assert.ok(error instanceof TimeoutError);
        assert.equal(error.code, 'ERR_TIMEOUT');
        return true;
      });
      await assert.rejects(future.exception(20), TimeoutError);
      // Timing out leaves the future as it was.
      assert.equal(future.done(), false);
    }
    const done = finished(5);
    assert.equal(await done.result(0), 5);
    assert.equal(await done.exception(0), null);
    await assert.rejects(new Future().result('soon' as never), ArgumentTypeError);
  });

  it('.result() waits for the result; the future is awaitable (D.2)', async () => {
    const future = running<string>();
    const waiting = future.result();
    const waitingException = future.exception();
    future.setResult('value');
    assert.equal(await waiting, 'value');
    assert.equal(await waitingException, null);
    assert.equal(await future, 'value');
  });

  it('a cancelled future rejects with CancelledError, waking a waiting .result() (D.2)', async () => {
    const future = new Future<number>();
    const waiting = future.result();
    const waitingException = future.exception();
    const waitingLong = future.result(60_000);
    future.cancel();
    for (const promise of [waiting, waitingException, waitingLong]) {
      await assert.rejects(promise, (error) => {
        assert.ok(error instanceof CancelledError);
        assert.equal(error.code, 'ERR_CANCELLED');
        return true;
      });
    }
    await assert.rejects(future.result(0), CancelledError);
    await assert.rejects(future.exception(), CancelledError);
    await assert.rejects(Promise.resolve(future), CancelledError);
  });

  it('.result() rejects with the same error object every time (D.2)', async () => {
    const error = new RangeError('once');
    const future = running();
    const waiting = future.result();
    future.setException(error);
    const seen: unknown[] = [];
    for (const promise of [waiting, future.result(), future.result(0), Promise.resolve(future)]) {
      await promise.then(
        () => assert.fail('expected a rejection'),
        (reason: unknown) => seen.push(reason),
      );
    }
    assert.equal(seen.length, 4);
    for (const reason of seen) assert.equal(reason, error);
    assert.equal(await future.exception(), error);
    assert.equal(await future.exception(0), error);
  });

  it('setting a result or exception twice, or after cancel, is InvalidStateError (D.3)', async () => {
    const future = finished(1);
    assert.throws(() => {
      future.setResult(2);
    }, InvalidStateError);
    assert.throws(
      () => {
        future.setException(new Error('late'));
      },
      (error) => {
        assert.ok(error instanceof InvalidStateError);
        assert.equal(error.code, 'ERR_INVALID_STATE');
        assert.match(error.message, /FINISHED/);
        return true;
      },
    );
    assert.equal(await future.result(), 1);

    const failure = failed(new Error('first'));
    assert.throws(() => {
      failure.setResult(2);
    }, InvalidStateError);
    assert.throws(() => {
      failure.setException(new Error('second'));
    }, InvalidStateError);
    assert.equal(((await failure.exception()) as Error).message, 'first');

    const gone = cancelled();
    assert.throws(
      () => {
        gone.setResult(1);
      },
      { name: 'InvalidStateError', message: /CANCELLED/ },
    );
    assert.throws(() => {
      gone.setException(new Error('x'));
    }, InvalidStateError);
    assert.equal(gone.cancelled(), true);
    await assert.rejects(gone.result(), CancelledError);
  });

  it('.setRunningOrNotifyCancel(): true when pending, false when cancelled, else throws (D.3)', () => {
    assert.equal(new Future().setRunningOrNotifyCancel(), true);
    const gone = cancelled();
    assert.equal(gone.setRunningOrNotifyCancel(), false);
    assert.deepEqual(states(gone), [false, true, true]);
    const busy = running();
    assert.throws(
      () => busy.setRunningOrNotifyCancel(),
      (error) => {
        assert.ok(error instanceof StateError);
        assert.match(error.message, /running/);
        return true;
      },
    );
    assert.throws(() => finished(1).setRunningOrNotifyCancel(), StateError);
    assert.throws(() => failed(new Error('x')).setRunningOrNotifyCancel(), StateError);
  });

  it('.addDoneCallback(): registration order on result, exception and cancel (D.4)', () => {
    const settle: [string, (f: Future<number>) => void][] = [
      [
        'result',
        (f) => {
          f.setResult(1);
        },
      ],
      [
        'exception',
        (f) => {
          f.setException(new Error('x'));
        },
      ],
      ['cancel', (f) => f.cancel()],
    ];
    for (const [how, settleIt] of settle) {
      const future = how === 'cancel' ? new Future<number>() : running();
      const calls: string[] = [];
      for (const name of ['a', 'b', 'c']) {
        future.addDoneCallback((f) => {
          assert.equal(f, future);
          assert.equal(f.done(), true);
          calls.push(name);
        });
      }
      assert.deepEqual(calls, []);
      settleIt(future);
      assert.deepEqual(calls, ['a', 'b', 'c'], how);
      // Called once: a later cancel() or failed set does not call them again.
      future.cancel();
      assert.throws(() => {
        future.setResult(2);
      }, InvalidStateError);
      assert.deepEqual(calls, ['a', 'b', 'c'], how);
    }
  });

  it('.addDoneCallback() on a done future calls it at once (D.4)', () => {
    for (const future of [finished(1), failed(new Error('x')), cancelled()]) {
      const calls: Future<number>[] = [];
      future.addDoneCallback((f) => calls.push(f));
      assert.deepEqual(calls, [future]);
    }
    assert.throws(() => {
      new Future().addDoneCallback('nope' as never);
    }, ArgumentTypeError);
  });

  it('a throwing callback is reported and the others still run (D.4)', () => {
    const future = running();
    const calls: string[] = [];
    const boom = new Error('callback failed');
    future.addDoneCallback(() => calls.push('first'));
    future.addDoneCallback(() => {
      throw boom;
    });
    future.addDoneCallback(() => calls.push('third'));
    const reported = captureConsoleError(() => {
      future.setResult(3);
    });
    assert.deepEqual(calls, ['first', 'third']);
    assert.equal(reported.length, 1);
    assert.match(String(reported[0]?.[0]), /exception calling callback for <Future state=finished/);
    assert.ok(reported[0]?.includes(boom));

    const done = finished(4);
    const immediate = captureConsoleError(() => {
      done.addDoneCallback(() => {
        throw boom;
      });
    });
    assert.equal(immediate.length, 1);
    assert.ok(immediate[0]?.includes(boom));
  });
});

describe('wait() (D.10, D.12)', { timeout: 10_000 }, () => {
  it('splits into done and notDone sets; duplicates count once (D.10)', async () => {
    const a = finished(1);
    const b = new Future<number>();
    const c = failed(new Error('x'));
    const result = await wait([a, b, a, c, b], { timeout: 0 });
    assert.ok(result.done instanceof Set);
    assert.ok(result.notDone instanceof Set);
    assert.deepEqual([...result.done], [a, c]);
    assert.deepEqual([...result.notDone], [b]);
    const empty = await wait([]);
    assert.equal(empty.done.size + empty.notDone.size, 0);
    await assert.rejects(wait([a, 'b' as never]), ArgumentTypeError);
    await assert.rejects(wait(42 as never), ArgumentTypeError);
  });

  it('FIRST_COMPLETED returns at once if one is done, else at the first to finish (D.10)', async () => {
    const done = finished(1);
    const pending = new Future<number>();
    const atOnce = await wait([pending, done], { returnWhen: FIRST_COMPLETED });
    assert.deepEqual([...atOnce.done], [done]);
    assert.deepEqual([...atOnce.notDone], [pending]);

    const a = running();
    const b = running();
    const c = new Future<number>();
    const waiting = wait([a, b, c], { returnWhen: FIRST_COMPLETED });
    b.setResult(2);
    const result = await waiting;
    assert.deepEqual([...result.done], [b]);
    assert.deepEqual([...result.notDone], [a, c]);
  });

  it('FIRST_COMPLETED counts a cancelled future as completed (D.12)', async () => {
    const a = new Future<number>();
    const b = new Future<number>();
    const waiting = wait([a, b], { returnWhen: FIRST_COMPLETED });
    b.cancel();
    const result = await waiting;
    assert.deepEqual([...result.done], [b]);
    assert.deepEqual([...result.notDone], [a]);
  });

  it('FIRST_EXCEPTION returns on the first failure; a cancel does not count (D.10)', async () => {
    const alreadyFailed = failed(new Error('x'));
    const pending = new Future<number>();
    const atOnce = await wait([pending, alreadyFailed], { returnWhen: FIRST_EXCEPTION });
    assert.deepEqual([...atOnce.done], [alreadyFailed]);

    const [a, b, c, d] = [new Future<number>(), running(), running(), running()];
    let resolved = false;
    const waiting = wait([a, b, c, d], { returnWhen: FIRST_EXCEPTION }).then((result) => {
      resolved = true;
      return result;
    });
    a.cancel();
    b.setResult(2);
    await flushMicrotasks();
    assert.equal(resolved, false, 'a cancel or a result must not end a FIRST_EXCEPTION wait');
    c.setException(new Error('c failed'));
    const result = await waiting;
    assert.deepEqual([...result.done], [a, b, c]);
    assert.deepEqual([...result.notDone], [d]);
  });

  it('FIRST_EXCEPTION with no failure waits for all, as ALL_COMPLETED (D.10)', async () => {
    const [a, b, c] = [running(), running(), new Future<number>()];
    let resolved = false;
    const waiting = wait([a, b, c], { returnWhen: FIRST_EXCEPTION }).then((result) => {
      resolved = true;
      return result;
    });
    a.setResult(1);
    c.cancel();
    await flushMicrotasks();
    assert.equal(resolved, false);
    b.setResult(2);
    const result = await waiting;
    assert.deepEqual([...result.done], [a, b, c]);
    assert.equal(result.notDone.size, 0);
  });

  it('ALL_COMPLETED (the default) waits for every future, cancelled ones done (D.10, D.12)', async () => {
    const [a, b, c] = [running(), new Future<number>(), running()];
    let resolved = false;
    const waiting = wait([a, b, c]).then((result) => {
      resolved = true;
      return result;
    });
    a.setException(new Error('a failed'));
    c.setResult(3);
    await flushMicrotasks();
    assert.equal(resolved, false, 'a failure must not end an ALL_COMPLETED wait');
    b.cancel();
    const result = await waiting;
    assert.deepEqual([...result.done], [a, b, c]);
    assert.equal(result.notDone.size, 0);
    const explicit = await wait([a, b, c], { returnWhen: ALL_COMPLETED, timeout: 0 });
    assert.equal(explicit.done.size, 3);
  });

  it('a timeout resolves normally with what is done so far (D.10)', async () => {
    const done = finished(1);
    const pending = new Future<number>();
    for (const returnWhen of [FIRST_EXCEPTION, ALL_COMPLETED] as const) {
      for (const timeout of [0, 30]) {
        const result = await wait([done, pending], { timeout, returnWhen });
        assert.deepEqual([...result.done], [done]);
        assert.deepEqual([...result.notDone], [pending]);
      }
    }
    const none = await wait([pending], { timeout: 20, returnWhen: FIRST_COMPLETED });
    assert.equal(none.done.size, 0);
    assert.deepEqual([...none.notDone], [pending]);
  });

  it('an invalid returnWhen throws only when wait() has to wait (D.10)', async () => {
    const bogus = 'WHENEVER' as ReturnWhen;
    const done = await wait([finished(1), cancelled()], { returnWhen: bogus });
    assert.equal(done.done.size, 2);
    await assert.rejects(
      wait([finished(1), new Future<number>()], { returnWhen: bogus }),
      (error) => {
        assert.ok(error instanceof ArgumentRangeError);
        assert.match(error.message, /returnWhen/);
        assert.match(error.message, /WHENEVER/);
        return true;
      },
    );
  });
});

describe('asCompleted() (D.11, D.12)', { timeout: 10_000 }, () => {
  it('yields the done futures first, in the order given, then in completion order', async () => {
    const a = finished(1);
    const b = running();
    const c = running();
    const d = cancelled();
    const e = new Future<number>();
    const it = asCompleted([a, b, c, d, e]);
    assert.equal((await it.next()).value, a);
    assert.equal((await it.next()).value, d);
    const third = it.next();
    c.setResult(3);
    assert.equal((await third).value, c);
    // Several finishing before the next call come out in the order they finished.
    e.cancel();
    b.setException(new Error('b failed'));
    assert.equal((await it.next()).value, e);
    assert.equal((await it.next()).value, b);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });

  it('yields a duplicated future once; works with for await', async () => {
    const a = running();
    const b = finished(2);
    const seen: unknown[] = [];
    // TypeScript types a for-await element as Awaited<Future<number>> (number), but for await
    // does not unwrap the values of an async iterator: the elements are the futures.
    for await (const future of asCompleted([a, b, a, b]) as AsyncIterable<unknown>) {
      assert.ok(future === a || future === b);
      seen.push(future);
      if (future === b) a.setResult(1);
    }
    assert.deepEqual(seen, [b, a]);
    assert.deepEqual(await asCompleted<number>([]).next(), { done: true, value: undefined });
    assert.throws(() => asCompleted([a, 3 as never]), ArgumentTypeError);
  });

  it('a cancelled future is yielded as it is cancelled (D.12)', async () => {
    const a = new Future<number>();
    const b = new Future<number>();
    const it = asCompleted([a, b]);
    const first = it.next();
    b.cancel();
    assert.equal((await first).value, b);
    const second = it.next();
    a.cancel();
    assert.equal((await second).value, a);
    assert.equal((await it.next()).done, true);
  });

  it('a timeout throws "N (of M) futures unfinished" after yielding the finished ones', async () => {
    const a = finished(1);
    const b = running();
    const c = running();
    const it = asCompleted([a, b, c], { timeout: 50 });
    assert.equal((await it.next()).value, a);
    await assert.rejects(it.next(), (error) => {
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.message, '2 (of 3) futures unfinished');
      return true;
    });
    assert.equal((await it.next()).done, true);

    // The deadline covers the whole iteration: a future done before it is still yielded.
    const zero = asCompleted([b, a, c], { timeout: 0 });
    b.setResult(2);
    assert.equal((await zero.next()).value, a);
    assert.equal((await zero.next()).value, b);
    await assert.rejects(zero.next(), {
      name: 'TimeoutError',
      message: '1 (of 3) futures unfinished',
    });
  });

  it('.return() ends the iteration', async () => {
    const a = finished(1);
    const b = new Future<number>();
    const it = asCompleted([a, b]);
    for await (const future of it as AsyncIterable<unknown>) {
      assert.equal(future, a);
      break;
    }
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    b.setRunningOrNotifyCancel();
    b.setResult(2);
  });
});
