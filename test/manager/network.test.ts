// Checks a Manager over TCP with an authkey: a client process with the right key works and
// one with a wrong key is refused; 1,000 bad handshakes and malformed frames from raw sockets
// leave the server serving others; a client killed mid-call leaves the server and the other
// clients unaffected; served locks and events for connected clients.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BaseManager, Manager, Process, Queue } from '../../src/index.ts';
import { FramedSocket, HANDSHAKE_MAX_FRAME } from '../../src/manager/framing.ts';
import { answerChallenge, deliverChallenge } from '../../src/manager/handshake.ts';
import { managerTasks } from '../fixtures/manager-task-refs.ts';

const AUTHKEY = 'the course key';

class NetManager extends Manager {}
NetManager.register('getShared', managerTasks.getShared);

describe('Manager over TCP', () => {
  const manager = new NetManager({ address: ['127.0.0.1', 0], authkey: AUTHKEY });
  let address: [string, number];
  before(async () => {
    await manager.start();
    address = manager.address as [string, number];
  });
  after(async () => {
    await manager.shutdown();
  });

  /** Runs connectAndUse in a child process with `authkey`; what it reports. */
  async function clientProcess(authkey: string): Promise<unknown> {
    const report = new Queue<unknown>();
    const child = new Process({
      target: managerTasks.connectAndUse,
      args: [address, authkey, report],
    });
    child.start();
    const result = await report.get();
    await child.join();
    assert.equal(child.exitCode, 0);
    return result;
  }

  it('listens on the port it was given (0: a free one)', () => {
    assert.equal(address[0], '127.0.0.1');
    assert.ok(address[1] > 0);
  });

  it('a client process with the right key reaches the shared object', async () => {
    const result = (await clientProcess(AUTHKEY)) as { ok: boolean; value: unknown };
    assert.equal(result.ok, true);
    assert.equal(typeof result.value, 'number');
    const shared = await manager.create<Map<string, unknown>>('getShared');
    assert.equal(await shared.get('client'), result.value);
  });

  it('a client process with a wrong key is refused with AuthenticationError', async () => {
    assert.deepEqual(await clientProcess('not the key'), {
      ok: false,
      error: 'AuthenticationError:ERR_AUTHENTICATION',
    });
  });

  it('connect() in this process: wrong key refused, right key served', async () => {
    const wrong = new BaseManager({ address, authkey: 'wrong' });
    await assert.rejects(wrong.connect(), { name: 'AuthenticationError' });
    const right = new BaseManager({ address, authkey: AUTHKEY });
    await right.connect();
    const lock = await right.create<{ acquire(): boolean; release(): void; locked(): boolean }>(
      'Lock',
    );
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.locked(), true);
    await lock.release();
    assert.equal(await lock.locked(), false);
  });

  /** A raw socket to the server, and a promise of its closing. */
  function raw(): { socket: Socket; closed: Promise<void> } {
    const socket = connect({ host: address[0], port: address[1] });
    socket.on('error', () => undefined); // A reset by the server is one way of being refused.
    const closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        resolve();
      }),
    );
    return { socket, closed };
  }

  /** One abuse of the server; resolves when the server has closed the socket. */
  async function abuse(kind: number, seed: number): Promise<void> {
    const { socket, closed } = raw();
    const framed = new FramedSocket(socket, HANDSHAKE_MAX_FRAME);
    switch (kind) {
      case 0: {
        // A wrong answer to the challenge: the server sends #FAILURE# and closes.
        await framed.recv();
        framed.send(randomBytes(8 + (seed % 40)));
        const verdict = await framed.recv().catch(() => null);
        if (verdict !== null) assert.equal(verdict.toString(), '#FAILURE#');
        break;
      }
      case 1: {
        // A frame header announcing 4 GiB: refused before any body is read.
        const header = Buffer.alloc(4);
        header.writeUInt32BE(0xfffffff0, 0);
        socket.write(header);
        break;
      }
      case 2:
        // Garbage, then the end of the stream: a frame cut short, or a wrong answer.
        socket.end(randomBytes(1 + (seed % 300)));
        break;
      default: {
        // The handshake passed, then bytes the codec refuses (a hand-made bad tag).
        await answerChallenge(framed, Buffer.from(AUTHKEY));
        await deliverChallenge(framed, Buffer.from(AUTHKEY));
        framed.send(Buffer.from([0xee, seed & 0xff, 1, 2, 3]));
        break;
      }
    }
    await closed;
  }

  it('1,000 bad handshakes and malformed frames leave it serving others', async () => {
    const d = await manager.dict<string, number>({ before: 1 });
    const batch = 25;
    for (let start = 0; start < 1000; start += batch) {
      await Promise.all(Array.from({ length: batch }, (_, i) => abuse((start + i) % 4, start + i)));
    }
    assert.equal(await d.get('before'), 1);
    await d.set('after', 2);
    assert.deepEqual(await d.items(), [
      ['before', 1],
      ['after', 2],
    ]);
    const result = (await clientProcess(AUTHKEY)) as { ok: boolean };
    assert.equal(result.ok, true);
  });

  it('a client killed mid-call leaves the server and other clients unaffected', async () => {
    const started = new Queue<number>();
    const child = new Process({
      target: managerTasks.waitForever,
      args: [address, AUTHKEY, started],
    });
    child.start();
    assert.equal(await started.get(), child.pid);
    child.kill();
    await child.join();
    assert.equal(child.exitCode, -9);
    const l = await manager.list([1]);
    await l.append(2);
    assert.deepEqual(await l.copy(), [1, 2]);
    const other = new BaseManager({ address, authkey: AUTHKEY });
    await other.connect();
    const event = await other.create<{ set(): void; wait(): boolean; isSet(): boolean }>('Event');
    await event.set();
    assert.equal(await event.wait(), true);
  });
});
