/**
 * The time field of the HTTP server's access log (Common Log Format), formatted once per
 * second and reused by every request of that second.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clfTime } from '../../src/examples/http/watch.ts';

describe('clfTime()', () => {
  it('formats UTC as [DD/Mon/YYYY:HH:MM:SS +0000], the same within a second, anew after it', () => {
    const at = Date.UTC(2026, 11, 7, 5, 4, 3);
    assert.equal(clfTime(new Date(at)), '[07/Dec/2026:05:04:03 +0000]');
    assert.equal(clfTime(new Date(at + 999)), '[07/Dec/2026:05:04:03 +0000]');
    assert.equal(clfTime(new Date(at + 1000)), '[07/Dec/2026:05:04:04 +0000]');
    // Back in time (a clock set back) and across a month and a year.
    assert.equal(clfTime(new Date(at)), '[07/Dec/2026:05:04:03 +0000]');
    assert.equal(clfTime(new Date(Date.UTC(2027, 0, 1, 0, 0, 0))), '[01/Jan/2027:00:00:00 +0000]');
  });
});
