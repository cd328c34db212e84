/**
 * The chat room against members who pose as others or flood it, and across a server
 * restart: look-alike, invisible and bidi names refused (issue 20, defect 5), a per-member
 * rate limit, the shutdown announced and clients logged in again by the next server
 * (defect 8).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ChatClient } from '../../src/examples/chat/client.ts';
import { nameKey, nameProblem } from '../../src/examples/chat/protocol.ts';
import { ChatRoom, SHUTDOWN_LINE, type Endpoint } from '../../src/examples/chat/room.ts';
import { startChatServer, type ChatServer } from '../../src/examples/chat/server.ts';
import { PATIENCE_MS, bytes, sent } from '../helpers/chat.ts';

const ada: Endpoint = { address: '127.0.0.1', port: 1 };
const bob: Endpoint = { address: '127.0.0.1', port: 2 };
const eve: Endpoint = { address: '127.0.0.1', port: 3 };

describe('ChatRoom - names that pose as others', () => {
  it('look-alike, invisible and bidi names are refused with the reason', () => {
    const room = new ChatRoom();
    const cases: [string, string][] = [
      ['\u0430dmin', 'names may not mix scripts (Cyrillic and Latin)'],
      ['ad\u200bmin', 'names may not contain invisible characters'],
      ['ad\u2060min', 'names may not contain invisible characters'],
      ['b\u202eob', 'names may not contain bidirectional control characters'],
      ['b\u2067ob', 'names may not contain bidirectional control characters'],
      ['p\u0430ypal', 'names may not mix scripts (Latin and Cyrillic)'],
      // Full-width letters normalize (NFKC) to `admin`.
      ['\uff41\uff44\uff4d\uff49\uff4e', 'names containing "admin" are reserved'],
      // Every letter Cyrillic, and it reads `admin`.
      ['\u0430\u0501\u043c\u0456n', 'names may not mix scripts (Cyrillic and Latin)'],
      ['\u0430\u0501\u043c\u0456\u043f', 'names containing "admin" are reserved'],
    ];
    for (const [name, reason] of cases) {
      assert.deepEqual(sent(room.receive(bytes(`L ${name}`), eve, 0)), [`3: NO ${reason}`], name);
    }
    assert.deepEqual(room.members, []);
    // One script, or scripts written together, are names like any other.
    for (const name of ['Zoë', 'Дмитрий', '山田たろう', '김철수', 'ada_2']) {
      assert.equal(nameProblem(name), undefined, name);
    }
  });

  it('a name is normalized and unique across case, width and look-alike letters', () => {
    const room = new ChatRoom();
    assert.deepEqual(sent(room.receive(bytes('L ace'), ada, 0)), ['1: OK']);
    // Full width `ａｃｅ`, and `асе` all in Cyrillic: the same name.
    assert.deepEqual(sent(room.receive(bytes('L \uff41\uff43\uff45'), eve, 0)), [
      '3: NO ace is taken',
    ]);
    assert.deepEqual(sent(room.receive(bytes('L \u0430\u0441\u0435'), eve, 0)), [
      '3: NO асе is taken',
    ]);
    assert.equal(nameKey('\uff21\uff23\uff25'), 'ace');
    // A name logged in with full-width letters is kept and shown normalized.
    assert.deepEqual(sent(room.receive(bytes('L \uff42\uff4f\uff42'), bob, 0)), [
      '2: OK',
      '1: bob joined the room',
    ]);
    assert.deepEqual(room.members, ['ace', 'bob']);
    assert.deepEqual(sent(room.receive(bytes('C bob hi'), bob, 1)), ['1: bob: hi']);
  });
});

describe('ChatRoom - rate limit and shutdown', () => {
  it('maxMessages - lines beyond the limit are refused until the window refills', () => {
    const room = new ChatRoom({ maxMessages: 3, rateWindowMs: 3000 });
    room.receive(bytes('L ada'), ada, 0);
    room.receive(bytes('L bob'), bob, 0);
    for (const text of ['one', 'two', 'three']) {
      assert.deepEqual(sent(room.receive(bytes(`C ada ${text}`), ada, 10)), [`2: ada: ${text}`]);
    }
    const refused = room.receive(bytes('C ada four'), ada, 10);
    assert.deepEqual(sent(refused), ['1: NO slow down: at most 3 lines in 3 s']);
    assert.deepEqual(refused.log, ['refused 127.0.0.1:1: slow down: at most 3 lines in 3 s (ada)']);
    // bob has a bucket of his own.
    assert.deepEqual(sent(room.receive(bytes('C bob mine'), bob, 10)), ['1: bob: mine']);
    // One line refills every second.
    assert.deepEqual(sent(room.receive(bytes('C ada five'), ada, 1010)), ['2: ada: five']);
    assert.deepEqual(sent(room.receive(bytes('C ada six'), ada, 1010)), [
      '1: NO slow down: at most 3 lines in 3 s',
    ]);
    assert.throws(() => new ChatRoom({ maxMessages: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  });

  it('.shutdown() - every member is told, and the room is empty', () => {
    const room = new ChatRoom();
    room.receive(bytes('L ada'), ada, 0);
    room.receive(bytes('L bob'), bob, 0);
    const output = room.shutdown();
    assert.deepEqual(sent(output), [`1: ${SHUTDOWN_LINE}`, `2: ${SHUTDOWN_LINE}`]);
    assert.deepEqual(output.log, ['shutting down: 2 member(s) told']);
    assert.deepEqual(room.members, []);
  });
});

describe('chat server restart', () => {
  const servers: ChatServer[] = [];
  const clients: ChatClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.leave()));
    await Promise.all(servers.map((server) => server.close()));
  });

  it(
    'the stop is announced; after a restart on the same port, clients log in again',
    { timeout: 60_000 },
    async () => {
      const first = await startChatServer({ host: '127.0.0.1', port: 0 });
      servers.push(first);
      const port = first.port;
      const ada = new ChatClient({ name: 'ada', port, loginTimeoutMs: PATIENCE_MS });
      clients.push(ada);
      await ada.login();
      await first.close();
      assert.equal(await ada.messages.get({ timeout: PATIENCE_MS }), SHUTDOWN_LINE);

      const second = await startChatServer({ host: '127.0.0.1', port });
      servers.push(second);
      const bob = new ChatClient({ name: 'bob', port, loginTimeoutMs: PATIENCE_MS });
      clients.push(bob);
      await bob.login();
      // The new server does not know ada: her line is refused, she logs in again, and it is
      // said again.
      await ada.say('hello again');
      assert.equal(await ada.messages.get({ timeout: PATIENCE_MS }), '(logged in again)');
      assert.equal(await bob.messages.get({ timeout: PATIENCE_MS }), 'ada joined the room');
      assert.equal(await bob.messages.get({ timeout: PATIENCE_MS }), 'ada: hello again');
      assert.deepEqual(second.members(), ['bob', 'ada']);
      await ada.say('and on');
      assert.equal(await bob.messages.get({ timeout: PATIENCE_MS }), 'ada: and on');
    },
  );
});
