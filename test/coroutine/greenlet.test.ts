/**
 * Greenlet: switching, parents, results and errors going to the parent, throw(), and
 * getcurrent(), as the greenlet package does them (docs/python-conformance.md E.1-E.3).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  getcurrent,
  Greenlet,
  GreenletError,
  GreenletExit,
  joinAll,
  spawn,
} from '../../src/index.ts';

describe('Greenlet - E.1 creation and switch values', () => {
  it('new Greenlet() - unstarted, not dead, not active; the parent is the creator', () => {
    const g = new Greenlet(() => 1);
    assert.equal(g.started, false);
    assert.equal(g.dead, false);
    assert.equal(g.active, false);
    assert.equal(g.parent, getcurrent());
  });

  it('.switch(...args) - the first switch calls run(...args)', async () => {
    const seen: unknown[] = [];
    const g = new Greenlet((a: number, b: string) => {
      seen.push(a, b);
    });
    await g.switch(1, 'two');
    assert.deepEqual(seen, [1, 'two']);
  });

  it('.switch() - returns nothing, one value, or an array of the values passed back', async () => {
    const received: unknown[] = [];
    const main = getcurrent();
    const g = new Greenlet(async () => {
      await main.switch();
      await main.switch('x');
      await main.switch(1, 2);
      return 'end';
    });
    received.push(await g.switch());
    received.push(await g.switch());
    received.push(await g.switch());
    received.push(await g.switch());
    assert.deepEqual(received, [undefined, 'x', [1, 2], 'end']);
    assert.equal(g.dead, true);
  });

  it('.switch() - the course program: eat and play hand control back and forth', async () => {
    const log: string[] = [];
    const eat = new Greenlet(async (name: string) => {
      log.push(`${name} eat 1`);
      await play.switch('alex');
      log.push(`${name} eat 2`);
      await play.switch();
    });
    const play = new Greenlet(async (name: string) => {
      log.push(`${name} play 1`);
      await eat.switch();
      log.push(`${name} play 2`);
    });
    await eat.switch('egon');
    assert.deepEqual(log, ['egon eat 1', 'alex play 1', 'egon eat 2', 'alex play 2']);
    // play returned to its parent (main, its creator); eat stays suspended in its switch.
    assert.equal(play.dead, true);
    assert.equal(eat.dead, false);
    assert.equal(eat.active, true);
  });

  it('getcurrent() - the greenlet running the code, across its awaits', async () => {
    const main = getcurrent();
    const g = new Greenlet(async () => {
      const before = getcurrent();
      await Promise.resolve();
      return [before, getcurrent()];
    });
    const [before, after] = (await g.switch()) as Greenlet[];
    assert.equal(before, g);
    assert.equal(after, g);
    assert.equal(getcurrent(), main);
    assert.equal(main.parent, null);
  });

  it('getcurrent() - each greenlet keeps itself across foreign awaits that interleave', async () => {
    // Two spawned greenlets await timers and then-callbacks (not switches): their
    // continuations interleave with each other and with the main greenlet's code, and each
    // still sees itself.
    const main = getcurrent();
    const seen: string[] = [];
    const run = async (label: string, delays: number[]) => {
      const me = getcurrent();
      for (const ms of delays) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        seen.push(`${label}:${String(getcurrent() === me)}`);
        await Promise.resolve().then(() => {
          seen.push(`${label}.then:${String(getcurrent() === me)}`);
        });
      }
      return me;
    };
    const a = spawn(run, 'a', [3, 1, 3]);
    const b = spawn(run, 'b', [1, 3, 1]);
    await new Promise((resolve) => setTimeout(resolve, 2));
    assert.equal(getcurrent(), main);
    await joinAll([a, b], { raiseError: true });
    assert.equal(a.value, a);
    assert.equal(b.value, b);
    assert.equal(seen.length, 12);
    assert.deepEqual(
      seen.filter((entry) => entry.endsWith(':false')),
      [],
    );
    assert.equal(getcurrent(), main);
  });

  it('getcurrent() - a timer callback scheduled by a greenlet runs in the main greenlet', async () => {
    // Python has no callbacks; here they run outside every greenlet, as gevent's hub runs
    // callbacks in the hub rather than in the greenlet that scheduled them.
    const main = getcurrent();
    const g = new Greenlet(
      () =>
        new Promise<Greenlet>((resolve) => {
          setTimeout(() => {
            resolve(getcurrent());
          }, 0);
        }),
    );
    assert.equal(await g.switch(), main);
  });

  it('.switch() to the current greenlet returns its arguments at once', async () => {
    assert.equal(await getcurrent().switch('self'), 'self');
  });

  it('new Greenlet(run) - a run that is not a function is refused', () => {
    assert.throws(() => new Greenlet(42 as never), ArgumentTypeError);
  });
});

describe('Greenlet - E.2 results and errors go to the parent', () => {
  it('run returning: the value goes to the parent, the greenlet is dead', async () => {
    const g = new Greenlet(() => 'done');
    assert.equal(await g.switch(), 'done');
    assert.equal(g.dead, true);
    assert.equal(g.active, false);
  });

  it('run throwing: the error is thrown in the parent', async () => {
    const g = new Greenlet(() => {
      throw new RangeError('bad');
    });
    await assert.rejects(g.switch(), { name: 'RangeError', message: 'bad' });
    assert.equal(g.dead, true);
  });

  it('run throwing GreenletExit: the parent receives it as a value', async () => {
    const exit = new GreenletExit('bye');
    const g = new Greenlet(() => {
      throw exit;
    });
    assert.equal(await g.switch(), exit);
  });

  it('.switch() to a dead greenlet goes to its parent', async () => {
    const main = getcurrent();
    const child = new Greenlet(() => 'child done');
    const outer = new Greenlet(async () => {
      await child.switch();
      // child is dead: switching to it switches to its parent, outer itself, so returns at once.
      const again = await child.switch('to parent');
      await main.switch(again);
    });
    child.parent = outer;
    assert.equal(await outer.switch(), 'to parent');
  });

  it('a finished child resumes a parent that is not its creator', async () => {
    const log: string[] = [];
    const parent = new Greenlet(async () => {
      log.push('parent starts');
      const got = await child.switch();
      log.push(`parent got ${String(got)}`);
      return 'parent done';
    });
    const child = new Greenlet(() => 'from child', parent);
    assert.equal(await parent.switch(), 'parent done');
    assert.deepEqual(log, ['parent starts', 'parent got from child']);
  });

  it('.parent - a cyclic chain is refused', () => {
    const a = new Greenlet(() => 1);
    const b = new Greenlet(() => 1, a);
    assert.throws(
      () => {
        a.parent = b;
      },
      (error) => error instanceof ArgumentRangeError && error.message === 'cyclic parent chain',
    );
    assert.throws(() => {
      a.parent = 42 as never;
    }, ArgumentTypeError);
  });
});

describe('Greenlet - E.3 throw()', () => {
  it('.throw() - GreenletExit at the suspension point; the thrower receives it', async () => {
    const main = getcurrent();
    const log: string[] = [];
    const g = new Greenlet(async () => {
      try {
        await main.switch('suspended');
      } finally {
        log.push('finally ran');
      }
    });
    assert.equal(await g.switch(), 'suspended');
    const result = await g.throw();
    assert.ok(result instanceof GreenletExit);
    assert.equal(g.dead, true);
    assert.deepEqual(log, ['finally ran']);
  });

  it('.throw(error) - an error the greenlet does not catch is thrown in the thrower', async () => {
    const main = getcurrent();
    const g = new Greenlet(async () => {
      await main.switch();
    });
    await g.switch();
    await assert.rejects(g.throw(new TypeError('thrown in')), {
      name: 'TypeError',
      message: 'thrown in',
    });
    assert.equal(g.dead, true);
  });

  it('.throw(error) - a greenlet that catches it goes on and returns', async () => {
    const main = getcurrent();
    const g = new Greenlet(async () => {
      try {
        await main.switch();
      } catch (error) {
        return `caught ${(error as Error).message}`;
      }
      return 'not caught';
    });
    await g.switch();
    assert.equal(await g.throw(new Error('boom')), 'caught boom');
  });

  it('.throw() into an unstarted greenlet kills it without running it', async () => {
    let ran = false;
    const g = new Greenlet(() => {
      ran = true;
    });
    assert.ok((await g.throw()) instanceof GreenletExit);
    assert.equal(ran, false);
    assert.equal(g.dead, true);
    const h = new Greenlet(() => {
      ran = true;
    });
    await assert.rejects(h.throw(new Error('never runs')), { message: 'never runs' });
    assert.equal(ran, false);
  });

  it('.throw() into a dead greenlet raises in its parent (here, the thrower)', async () => {
    const g = new Greenlet(() => 'done');
    await g.switch();
    await assert.rejects(g.throw(new Error('to the parent')), { message: 'to the parent' });
  });
});

describe('Greenlet - switches that cannot happen', () => {
  it('.switch() to a greenlet that is running but not in a switch is refused', async () => {
    let release: () => void = () => undefined;
    const busy = new Greenlet(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    // Main's switch into busy is dropped: busy never switches back, and its value is lost.
    void busy.switch();
    const other = new Greenlet(() => busy.switch());
    await assert.rejects(other.switch(), (error) => {
      return error instanceof GreenletError && error.code === 'ERR_GREENLET_BUSY';
    });
    release();
  });

  it('.switch() on a greenlet copied from another thread is refused (ERR_GREENLET_WRONG_THREAD)', () => {
    const copy = structuredClone<unknown>(new Greenlet(() => 1));
    assert.throws(
      () => Greenlet.prototype.switch.call(copy as Greenlet),
      (error) => error instanceof GreenletError && error.code === 'ERR_GREENLET_WRONG_THREAD',
    );
  });
});
