/**
 * The payloads of distributed jobs (no Redis needed): JSON scalars travel as they are, every
 * other value through the network codec; what comes back from Redis is checked as hostile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeArgs,
  decodeResult,
  encodeArgs,
  encodeResult,
} from '../../src/distributed/protocol.ts';

describe('distributed payloads', () => {
  it('keeps JSON scalars as they are, within the size limit', () => {
    assert.deepEqual(encodeArgs([1, -2.5, 'é', true, null], undefined), [1, -2.5, 'é', true, null]);
    assert.deepEqual(encodeResult(3, undefined), [3]);
    assert.deepEqual(encodeResult('x', undefined), ['x']);
    assert.deepEqual(encodeResult(undefined, undefined), []);
    assert.deepEqual(encodeArgs([], undefined), []);
  });

  it('sends every other value through the codec, as base64', () => {
    const others = [-0, NaN, Infinity, undefined, 1n, [1], { a: 1 }, new Uint8Array(2), new Map()];
    others.forEach((value, i) => {
      assert.equal(typeof encodeArgs([1, value], undefined), 'string', `value ${i}`);
      if (value !== undefined) {
        assert.equal(typeof encodeResult(value, undefined), 'string', `value ${i}`);
      }
    });
    // Past 64 values, or past the size limit, the codec (and its limit) decide.
    assert.equal(
      typeof encodeArgs(
        Array.from({ length: 65 }, () => 1),
        undefined,
      ),
      'string',
    );
    assert.throws(() => encodeArgs(['é'.repeat(100)], 100), { code: 'ERR_NET_TOO_LARGE' });
    assert.deepEqual(encodeArgs(['é'.repeat(100)], 210), ['é'.repeat(100)]);
  });

  it('round-trips every value exactly, either way', () => {
    const values = [
      0,
      1.25,
      -0,
      NaN,
      '',
      'a\u0000b',
      true,
      null,
      undefined,
      5n,
      [1, 'x'],
      { k: [] },
    ];
    for (const value of values) {
      assert.deepEqual(decodeResult(encodeResult(value, undefined), undefined), value);
      assert.deepEqual(decodeArgs(encodeArgs([value, 2], undefined), undefined), [value, 2]);
    }
  });

  it('refuses plain payloads that nest values, have more than one result, or are too big', () => {
    assert.throws(() => decodeArgs([1, { a: 1 }], undefined), {
      name: 'UnpicklingError',
      code: 'ERR_NET_MALFORMED',
      message: /a plain payload holds/,
    });
    assert.throws(() => decodeArgs([[1]], undefined), { code: 'ERR_NET_MALFORMED' });
    assert.throws(() => decodeResult([1, 2], undefined), {
      code: 'ERR_NET_MALFORMED',
      message: /a result of 2 values/,
    });
    assert.throws(() => decodeArgs(['x'.repeat(200)], 100), {
      name: 'UnpicklingError',
      code: 'ERR_NET_TOO_LARGE',
    });
    assert.throws(() => decodeResult(['x'.repeat(200)], 100), { code: 'ERR_NET_TOO_LARGE' });
    assert.throws(() => decodeArgs('%%%', undefined), { name: 'UnpicklingError' });
    assert.throws(() => decodeArgs(5, undefined), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});
