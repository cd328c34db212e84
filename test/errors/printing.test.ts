/**
 * A remote error prints its remote stack once: as its own stack, every frame of it, with its
 * `RemoteTraceback` cause on one line (the remote error's own cause after it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { RemoteTraceback } from '../../src/errors.ts';
import { errorFromWire, errorToWire } from '../../src/transport/wire.ts';

function remoteFailure(): Error {
  return new TypeError('bad input 3');
}

function frames(stack: string | undefined): string[] {
  return (stack ?? '').split('\n').filter((line) => line.startsWith('    at '));
}

describe('printing a remote error', () => {
  it('shows each remote frame exactly once, and the cause on one line', () => {
    const original = remoteFailure();
    const rebuilt = errorFromWire(errorToWire(original)) as Error;
    const printed = inspect(rebuilt);
    const remoteFrames = frames(original.stack);
    assert.ok(remoteFrames.length > 2);
    for (const frame of remoteFrames) {
      assert.equal(printed.split(frame).length - 1, 1, `${frame} in:\n${printed}`);
    }
    assert.ok(!printed.includes('lines matching cause stack trace'), printed);
    assert.ok(rebuilt.cause instanceof RemoteTraceback);
    assert.match(
      printed,
      /\[cause\]: RemoteTraceback \[ERR_REMOTE_TRACEBACK\]: the remote stack \(remoteStack\) is the stack above\n}$/,
    );
    // Nothing is lost: the remote stack is still there to read, in full.
    assert.equal(rebuilt.cause.remoteStack, original.stack);
    assert.ok(rebuilt.cause.message.includes(remoteFrames[0] ?? '?'));
  });

  it("shows the remote error's own cause after the RemoteTraceback line", () => {
    const original = new Error('outer', { cause: new RangeError('inner reason') });
    const printed = inspect(errorFromWire(errorToWire(original)), { depth: 4 });
    const at = printed.indexOf('RemoteTraceback [ERR_REMOTE_TRACEBACK]');
    assert.ok(at > 0, printed);
    assert.ok(printed.indexOf('RangeError: inner reason', at) > at, printed);
  });
});
