/**
 * Every shared kind is reachable from a child process, whole: the broker accepts every
 * entry of each kind's method table, every public member of each class is listed in
 * reachability-tasks.ts, and a child process that receives one object of every kind calls
 * each of those members through the broker and gets what a thread would. A core method
 * missing from a table, or one the broker cannot run, fails here rather than in a user's
 * child process.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokerError, Pipe, Process, taskModule } from '../../src/index.ts';
import { serveCore, servedMethod } from '../../src/broker/served-core.ts';
import { currentOwnerId, ownerTable } from '../../src/memory/owners.ts';
import { kSharedState, sharedKind, type LocalState } from '../../src/memory/shared-object.ts';
import { scratchDir } from '../helpers/backends.ts';
import { workerPool } from '../helpers/sync.ts';
import { memorySamples as samples } from './samples.ts';
import { callsByKind, HOOKS } from './reachability-tasks.ts';

const tasks = taskModule<typeof import('./reachability-tasks.ts')>(
  new URL('./reachability-tasks.ts', import.meta.url),
);
const scratch = scratchDir();
const workers = workerPool();

/** The members of a class and its ancestors' prototypes, by name (a symbol's as a string). */
function membersOf(Class: abstract new (...args: never[]) => unknown): string[] {
  const names = new Set<string>();
  for (
    let proto: object | null = Class.prototype as object;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
    for (const symbol of Object.getOwnPropertySymbols(proto))
      if (symbol !== kSharedState) names.add(String(symbol));
  }
  names.delete('constructor');
  for (const hook of HOOKS) names.delete(hook);
  return [...names].sort();
}

function localCoreOf(kind: string): object {
  const state = samples[kind]?.()[kSharedState]() as LocalState;
  return sharedKind(kind).localCore(state, currentOwnerId(), ownerTable());
}

describe('every shared kind from a child process', () => {
  for (const kind of Object.keys(samples)) {
    it(`${kind} - the broker accepts every entry of its method table`, () => {
      const { protocol } = sharedKind(kind);
      assert.ok(protocol.methods.length > 0);
      const served = serveCore(kind, localCoreOf(kind), protocol);
      protocol.methods.forEach(({ name, mode }, index) => {
        assert.equal(servedMethod(served, index).mode, mode, name);
      });
    });

    it(`${kind} - every public member has a call in reachability-tasks.ts`, () => {
      const Class = samples[kind]?.().constructor as new () => unknown;
      assert.deepEqual(Object.keys(callsByKind[kind] ?? {}).sort(), membersOf(Class));
    });
  }

  it('a core without a method its table names is refused, as a call to no method', () => {
    const { protocol } = sharedKind('Lock');
    assert.throws(() => serveCore('Lock', {}, protocol), BrokerError);
    const served = serveCore('Lock', localCoreOf('Lock'), protocol);
    assert.throws(() => servedMethod(served, protocol.methods.length), BrokerError);
    assert.throws(() => servedMethod(served, -1), BrokerError);
  });

  it('a process calls every public member of every kind through the broker', async () => {
    const objects: Record<string, unknown> = {};
    for (const [kind, make] of Object.entries(samples)) objects[kind] = make();
    objects['Connection'] = Pipe();
    const out = scratch.file('reachability.json');
    await workers.run(new Process({ target: tasks.callEverything, args: [objects, out] }));
    const report = scratch.read(out) as Record<string, Record<string, string>>;
    for (const kind of Object.keys(samples)) {
      const calls = Object.keys(callsByKind[kind] ?? {});
      assert.deepEqual(report[kind], Object.fromEntries(calls.map((call) => [call, 'ok'])), kind);
    }
  });
});
