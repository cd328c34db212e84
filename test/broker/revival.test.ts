/**
 * Rebuilding a shared object from its state (what a thread, or the broker, does with an
 * object it receives): every kind is covered, and a state that lost its memory on the way
 * fails with ERR_INTERNAL in every kind alike, never with private memory of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MultitaskError } from '../../src/index.ts';
import {
  attach,
  kSharedState,
  sharedKindNames,
  type LocalState,
} from '../../src/memory/shared-object.ts';
import { MEMORYLESS_KINDS, samples } from './samples.ts';

describe('shared kinds', () => {
  it('every registered kind has a sample', () => {
    assert.deepEqual(sharedKindNames().sort(), Object.keys(samples).sort());
  });

  for (const [kind, make] of Object.entries(samples)) {
    it(`attach() - a ${kind} rebuilt from its state is a ${kind} over the same memory`, () => {
      const original = make();
      const state = original[kSharedState]() as LocalState;
      const revived = attach(state);
      assert.equal(revived.constructor, original.constructor);
      assert.equal(revived[kSharedState](), state);
    });

    if (MEMORYLESS_KINDS.has(kind)) {
      it(`attach() - a ${kind} lives in no memory: its state alone rebuilds it`, () => {
        const state = make()[kSharedState]() as LocalState;
        assert.deepEqual(state.buffers, []);
        const revived = attach(structuredClone(state));
        assert.equal(revived.constructor, make().constructor);
        assert.deepEqual(revived[kSharedState]().meta, state.meta);
      });
      continue;
    }

    it(`attach() - a ${kind} state without its buffers throws ERR_INTERNAL`, () => {
      const state = make()[kSharedState]() as LocalState;
      for (const buffers of [[], state.buffers.slice(0, -1)]) {
        assert.throws(
          () => attach({ ...state, buffers }),
          (error: unknown) => {
            assert.ok(error instanceof MultitaskError);
            assert.equal(error.code, 'ERR_INTERNAL');
            assert.match(error.message, new RegExp(`a ${kind} needs`));
            return true;
          },
        );
      }
    });
  }
});
