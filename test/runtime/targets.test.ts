/**
 * How a thread or process finds its code: typed task references, self-contained inline
 * functions shipped as source, and subclasses that override run(). Arguments cross by
 * structured clone and are checked at start(). DESIGN decision 2.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  activeChildren,
  enumerate,
  PicklingError,
  Process,
  StateError,
  taskModule,
  taskRef,
  Thread,
} from '../../src/index.ts';
import { tasks } from '../fixtures/task-refs.ts';
import { CountingProcess, CountingThread, UnregisteredThread } from '../fixtures/subclasses.ts';
import { forEachBackend, scratchDir } from '../helpers/backends.ts';

const scratch = scratchDir();
let fileCounter = 0;
const reportFile = (): string => scratch.file(`report-${++fileCounter}.json`);

it('taskModule() - properties are task references to the module', () => {
  const url = new URL('../fixtures/tasks.ts', import.meta.url);
  const refs = taskModule<typeof import('../fixtures/tasks.ts')>(url);
  assert.equal(refs.add.module, url.href);
  assert.equal(refs.add.exportName, 'add');
  assert.equal(refs.add, refs.add, 'references are cached');
  assert.deepEqual(taskRef(url, 'add'), refs.add);
});

it('taskRef() - refuses a relative module path, suggesting import.meta.url', () => {
  assert.throws(
    () => taskRef('./tasks.ts', 'add'),
    (error: unknown) =>
      error instanceof TypeError &&
      (error as { code?: string }).code === 'ERR_INVALID_ARG_VALUE' &&
      error.message.includes('new URL("./tasks.ts", import.meta.url)'),
  );
  assert.throws(() => taskRef(new URL('https://example.com/x.js'), 'add'), /file: URL/);
  assert.throws(
    () => taskRef('/abs/tasks.js', ''),
    /Expected `exportName` to be a non-empty string/,
  );
});

forEachBackend(({ kind, Worker }) => {
  const Counting = kind === 'thread' ? CountingThread : CountingProcess;

  it('a task reference runs with its arguments', async () => {
    const out = reportFile();
    const worker = new Worker({ target: tasks.addAndReport, args: [out, 20, 22] });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.equal(scratch.read(out), 42);
  });

  it('an inline arrow function is shipped as source and runs with its arguments', async () => {
    const out = reportFile();
    const worker = new Worker({
      target: async (path: string, values: number[]) => {
        const { writeFileSync } = await import('node:fs');
        const square = (x: number): number => x * x;
        writeFileSync(path, JSON.stringify(values.map(square)));
      },
      args: [out, [1, 2, 3]],
    });
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(scratch.read(out), [1, 4, 9]);
  });

  it('a function expression target runs, and its name is in the default name', async () => {
    const worker = new Worker({
      target: function finishWith(code: number) {
        process.exit(code);
      },
      args: [3],
    });
    if (kind === 'thread') assert.match(worker.name, /^Thread-\d+ \(finishWith\)$/);
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 3);
  });

  it('an inline function that captures variables is refused at construction, naming them', () => {
    const factor = 3;
    const offset = 1;
    const before = { threads: enumerate().length, processes: activeChildren().length };
    assert.throws(
      () => new Worker({ target: (x: number) => x * factor + offset + factor, args: [1] }),
      (error: unknown) => {
        assert.ok(error instanceof PicklingError);
        assert.equal(error.code, 'ERR_TARGET_CAPTURES');
        assert.match(error.message, /`factor`, `offset`/);
        return true;
      },
    );
    assert.deepEqual({ threads: enumerate().length, processes: activeChildren().length }, before);
  });

  it('start() - an argument that cannot be sent is refused, naming its place', () => {
    const worker = new Worker({
      target: tasks.add,
      args: [1, { onDone: () => undefined } as unknown as number],
    });
    assert.throws(
      () => {
        worker.start();
      },
      (error: unknown) => {
        assert.ok(error instanceof PicklingError);
        assert.equal(error.code, 'ERR_NOT_CLONEABLE');
        assert.match(error.message, /args\[1\]\.onDone is a function/);
        return true;
      },
    );
    assert.equal(worker.isAlive(), false);
    assert.equal(worker.exitCode, null);
  });

  it('a registered subclass overriding run() is rebuilt with its fields', async () => {
    const out = reportFile();
    const worker = new Counting(out, 5);
    worker.start();
    await worker.join();
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(scratch.read(out), {
      counted: [1, 2, 3, 4, 5],
      name: worker.name,
      isAlive: true,
      ownClass: true,
    });
  });
});

it('an unregistered subclass overriding run() is refused at construction', () => {
  assert.throws(
    () => new UnregisteredThread(),
    (error: unknown) =>
      error instanceof StateError &&
      error.code === 'ERR_NOT_REGISTERED' &&
      error.message.includes('static { this.register(import.meta.url); }'),
  );
});

it('Thread#run() - called directly runs the target in the calling thread, as in Python', async () => {
  const thread = new Thread({ target: (a: number, b: number) => a * b, args: [6, 7] });
  assert.equal(await thread.run(), 42);
  const viaRef = new Process({ target: tasks.add, args: [2, 3] });
  assert.equal(await viaRef.run(), 5);
});
