/**
 * transfer(): marking a task's result so that its buffers move instead of being copied (the
 * moving itself is tested with the pools, in pool.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArgumentTypeError, transfer } from '../../src/index.ts';

describe('transfer()', () => {
  it('transfer() - refuses a list that is not an array, with ERR_INVALID_ARG_TYPE', () => {
    assert.throws(
      () => transfer(1, 'no' as never),
      (error) => {
        assert.ok(error instanceof ArgumentTypeError);
        assert.equal(error.code, 'ERR_INVALID_ARG_TYPE');
        assert.match(error.message, /^Expected `list` to be an array of transferables, got/);
        return true;
      },
    );
  });
});
