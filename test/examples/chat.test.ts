/**
 * The chat room: the room's rules on their own (ChatRoom), then the server and clients over
 * real UDP sockets on 127.0.0.1 (joins, messages, leaves, refusals, announcements, dropped
 * datagrams, timeouts), then the prompt and the `multitask chat` command.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { PassThrough } from 'node:stream';
import { after, afterEach, describe, it } from 'node:test';
import { Queue } from '../../src/index.ts';
import { chatCommand } from '../../src/examples/chat/cli.ts';
import { ChatClient, ChatRefusedError } from '../../src/examples/chat/client.ts';
import {
  MAX_DATAGRAM_BYTES,
  nameProblem,
  parseClientMessage,
} from '../../src/examples/chat/protocol.ts';
import { ChatRoom, type Endpoint } from '../../src/examples/chat/room.ts';
import { startChatServer, type ChatServer } from '../../src/examples/chat/server.ts';
import { runChatSession } from '../../src/examples/chat/session.ts';
import { PATIENCE_MS, bytes, sent } from '../helpers/chat.ts';

describe('ChatRoom', () => {
  const ada: Endpoint = { address: '127.0.0.1', port: 1 };
  const bob: Endpoint = { address: '127.0.0.1', port: 2 };
  const cy: Endpoint = { address: '127.0.0.1', port: 3 };

  function roomOfThree(): ChatRoom {
    const room = new ChatRoom({ timeoutMs: 100 });
    room.receive(bytes('L ada'), ada, 0);
    room.receive(bytes('L bob'), bob, 0);
    room.receive(bytes('L cy'), cy, 0);
    return room;
  }

  it('.receive() - a login is answered OK and the others are told, in joining order', () => {
    const room = new ChatRoom();
    assert.deepEqual(sent(room.receive(bytes('L ada'), ada, 0)), ['1: OK']);
    assert.deepEqual(sent(room.receive(bytes('L bob'), bob, 0)), [
      '2: OK',
      '1: bob joined the room',
    ]);
    const output = room.receive(bytes('L cy'), cy, 0);
    assert.deepEqual(sent(output), ['3: OK', '1: cy joined the room', '2: cy joined the room']);
    assert.deepEqual(output.log, ['cy joined from 127.0.0.1:3']);
    assert.deepEqual(room.members, ['ada', 'bob', 'cy']);
  });

  it('.receive() - a message goes to everyone but its sender', () => {
    const room = roomOfThree();
    assert.deepEqual(sent(room.receive(bytes('C bob hello there'), bob, 1)), [
      '1: bob: hello there',
      '3: bob: hello there',
    ]);
  });

  it('.receive() - a taken name is refused, whatever its case; the same client again gets OK', () => {
    const room = roomOfThree();
    const other: Endpoint = { address: '127.0.0.1', port: 9 };
    assert.deepEqual(sent(room.receive(bytes('L ada'), other, 1)), ['9: NO ada is taken']);
    assert.deepEqual(sent(room.receive(bytes('L ADA'), other, 1)), ['9: NO ADA is taken']);
    // Its OK was lost: the client asks again, from the same address, and nobody is told twice.
    assert.deepEqual(sent(room.receive(bytes('L ada'), ada, 1)), ['1: OK']);
    assert.deepEqual(sent(room.receive(bytes('L zed'), ada, 1)), [
      '1: NO already in the room as ada',
    ]);
    assert.deepEqual(room.members, ['ada', 'bob', 'cy']);
  });

  it('.receive() - names containing the reserved name, empty, spaced or too long are refused', () => {
    const room = new ChatRoom({ adminName: 'admin' });
    const cases: [string, string][] = [
      ['admin', 'names containing "admin" are reserved'],
      ['SysAdmin', 'names containing "admin" are reserved'],
      ['xADMINx', 'names containing "admin" are reserved'],
      ['', 'empty name'],
      ['a b', 'names may not contain spaces or control characters'],
      ['a\tb', 'names may not contain spaces or control characters'],
      ['x'.repeat(33), 'name longer than 32 characters'],
    ];
    for (const [name, reason] of cases) {
      assert.deepEqual(sent(room.receive(bytes(`L ${name}`), ada, 0)), [`1: NO ${reason}`], name);
    }
    assert.deepEqual(room.members, []);
    assert.deepEqual(sent(room.receive(bytes(`L ${'x'.repeat(32)}`), ada, 0)), ['1: OK']);
  });

  it('.receive() - a datagram naming a member from another address is refused and changes nothing', () => {
    const room = roomOfThree();
    const output = room.receive(bytes('E ada'), bob, 1);
    assert.deepEqual(sent(output), ['2: NO ada belongs to another client']);
    assert.deepEqual(output.log, [
      'refused 127.0.0.1:2: ada belongs to another client (ada is at 127.0.0.1:1)',
    ]);
    assert.deepEqual(sent(room.receive(bytes('C ada I am bob'), bob, 1)), [
      '2: NO ada belongs to another client',
    ]);
    assert.deepEqual(sent(room.receive(bytes('C zed hi'), bob, 1)), [
      '2: NO zed is not in the room',
    ]);
    assert.deepEqual(room.members, ['ada', 'bob', 'cy']);
  });

  it('.receive() - malformed and oversized datagrams are dropped and logged, nothing sent', () => {
    const room = roomOfThree();
    const bad: [Uint8Array, RegExp][] = [
      [bytes('X ada'), /unknown message "X ada"/],
      [bytes('L'), /unknown message "L"/],
      [bytes('C ada'), /expected "C NAME TEXT"/],
      [bytes('C ada    '), /expected "C NAME TEXT"/],
      [bytes('C ada line\nbreak'), /expected "C NAME TEXT"/],
      [bytes('E '), /expected "E NAME"/],
      [new Uint8Array([0x43, 0x20, 0xff, 0xfe]), /not UTF-8/],
      [bytes(`C ada ${'x'.repeat(MAX_DATAGRAM_BYTES)}`), /oversized datagram \(1030 bytes\)/],
    ];
    for (const [data, reason] of bad) {
      const output = room.receive(data, ada, 1);
      assert.deepEqual(output.send, []);
      assert.equal(output.log.length, 1);
      assert.match(output.log[0] ?? '', /^dropped a datagram from 127\.0\.0\.1:1: /);
      assert.match(output.log[0] ?? '', reason);
    }
    assert.deepEqual(room.members, ['ada', 'bob', 'cy']);
  });

  it('.receive() - an exit tells the others; the leaver is no longer a member', () => {
    const room = roomOfThree();
    assert.deepEqual(sent(room.receive(bytes('E bob'), bob, 1)), [
      '1: bob left the room',
      '3: bob left the room',
    ]);
    assert.deepEqual(room.members, ['ada', 'cy']);
    assert.deepEqual(sent(room.receive(bytes('C bob still here?'), bob, 1)), [
      '2: NO bob is not in the room',
    ]);
  });

  it('.expire() - members silent longer than the timeout are dropped, the others told', () => {
    const room = roomOfThree(); // all heard at 0, timeout 100
    room.receive(bytes('P ada'), ada, 60);
    room.receive(bytes('C cy hi'), cy, 70);
    assert.deepEqual(sent(room.expire(100)), []); // exactly the timeout: not yet
    const output = room.expire(101);
    assert.deepEqual(sent(output), [
      '1: bob left the room (timed out)',
      '3: bob left the room (timed out)',
    ]);
    assert.deepEqual(output.log, ['bob timed out']);
    assert.deepEqual(sent(room.expire(165)), ['3: ada left the room (timed out)']);
    assert.deepEqual(room.members, ['cy']);
  });

  it('.announce() - reaches every member as admin: text; an empty or oversized one is not sent', () => {
    const room = roomOfThree();
    assert.deepEqual(sent(room.announce('closing at noon')), [
      '1: admin: closing at noon',
      '2: admin: closing at noon',
      '3: admin: closing at noon',
    ]);
    assert.deepEqual(room.announce('  ').send, []);
    const long = room.announce('x'.repeat(MAX_DATAGRAM_BYTES));
    assert.deepEqual(long.send, []);
    assert.deepEqual(long.log, [`announcement not sent: longer than ${MAX_DATAGRAM_BYTES} bytes`]);
  });

  it('parseClientMessage() and nameProblem() - the wire format', () => {
    assert.deepEqual(parseClientMessage(bytes('C ada hi  there ')), {
      ok: true,
      message: { type: 'chat', name: 'ada', text: 'hi  there ' },
    });
    assert.deepEqual(parseClientMessage(bytes('P ada')), {
      ok: true,
      message: { type: 'ping', name: 'ada' },
    });
    assert.equal(nameProblem('Ada_Lovelace'), undefined);
    assert.equal(nameProblem('root', 'root'), 'names containing "root" are reserved');
  });
});

/** A raw UDP socket on 127.0.0.1, for datagrams no ChatClient would send. */
async function rawSocket(): Promise<{ socket: Socket; received: Queue<string> }> {
  const socket = createSocket('udp4');
  const received = new Queue<string>();
  socket.on('message', (data) => {
    received.putNowait(data.toString('utf8'));
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, received };
}

function sendRaw(socket: Socket, data: Uint8Array | string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(data, port, '127.0.0.1', (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

describe('chat server and clients over UDP', () => {
  const servers: ChatServer[] = [];
  const clients: ChatClient[] = [];
  const sockets: Socket[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.leave()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
    for (const socket of sockets.splice(0)) socket.close();
  });

  async function server(
    options: { timeoutMs?: number } = {},
  ): Promise<{ server: ChatServer; log: string[] }> {
    const log: string[] = [];
    const started = await startChatServer({
      host: '127.0.0.1',
      port: 0,
      log: (line) => log.push(line),
      ...options,
    });
    servers.push(started);
    return { server: started, log };
  }

  async function join(
    name: string,
    port: number,
    options: { keepaliveMs?: number } = {},
  ): Promise<ChatClient> {
    const client = new ChatClient({ name, port, loginTimeoutMs: PATIENCE_MS, ...options });
    clients.push(client);
    await client.login();
    return client;
  }

  async function lines(client: ChatClient, count: number): Promise<string[]> {
    const got: string[] = [];
    for (let i = 0; i < count; i++) got.push(await client.messages.get({ timeout: PATIENCE_MS }));
    return got;
  }

  it('three clients see each other join, talk and leave, in order; nobody hears itself', async () => {
    const { server: room, log } = await server();
    const ada = await join('ada', room.port);
    const bob = await join('bob', room.port);
    const cy = await join('cy', room.port);
    await ada.say('hi all');
    // bob and cy hear ada; ada must not: the next line she gets is bob's.
    assert.deepEqual(await lines(bob, 2), ['cy joined the room', 'ada: hi all']);
    await bob.say('hi ada');
    assert.deepEqual(await lines(cy, 2), ['ada: hi all', 'bob: hi ada']);
    await cy.say('bye');
    await cy.leave();
    assert.deepEqual(await lines(ada, 5), [
      'bob joined the room',
      'cy joined the room',
      'bob: hi ada',
      'cy: bye',
      'cy left the room',
    ]);
    assert.deepEqual(await lines(bob, 2), ['cy: bye', 'cy left the room']);
    await bob.leave();
    assert.deepEqual(await lines(ada, 1), ['bob left the room']);
    // Nothing else arrived: not ada's own message, not anything twice.
    assert.equal(ada.messages.qsize(), 0);
    assert.equal(bob.messages.qsize(), 0);
    assert.equal(cy.messages.qsize(), 0);
    assert.deepEqual(room.members(), ['ada']);
    assert.equal(log.length, 5, log.join('\n'));
    assert.match(log[0] ?? '', /^ada joined from 127\.0\.0\.1:\d+$/);
    assert.match(log[1] ?? '', /^bob joined from 127\.0\.0\.1:\d+$/);
    assert.match(log[2] ?? '', /^cy joined from 127\.0\.0\.1:\d+$/);
    assert.deepEqual(log.slice(3), ['cy left', 'bob left']);
  });

  it('a taken name is refused with the reason; the first owner is unaffected', async () => {
    const { server: room } = await server();
    const ada = await join('ada', room.port);
    const impostor = new ChatClient({ name: 'ada', port: room.port, loginTimeoutMs: PATIENCE_MS });
    await assert.rejects(impostor.login(), (error: unknown) => {
      assert.ok(error instanceof ChatRefusedError);
      assert.equal(error.reason, 'ada is taken');
      assert.equal(error.code, 'ERR_CHAT_REFUSED');
      return true;
    });
    assert.equal(impostor.joined, false);
    const bob = await join('bob', room.port);
    await bob.say('still there?');
    assert.deepEqual(await lines(ada, 2), ['bob joined the room', 'bob: still there?']);
    assert.deepEqual(room.members(), ['ada', 'bob']);
  });

  it('a name containing the reserved name is refused', async () => {
    const { server: room } = await server();
    for (const name of ['admin', 'TheAdmin']) {
      const client = new ChatClient({ name, port: room.port, loginTimeoutMs: PATIENCE_MS });
      await assert.rejects(client.login(), {
        name: 'ChatRefusedError',
        reason: 'names containing "admin" are reserved',
      });
    }
    assert.deepEqual(room.members(), []);
  });

  it('.announce() - reaches every member as admin: text', async () => {
    const { server: room, log } = await server();
    const ada = await join('ada', room.port);
    const bob = await join('bob', room.port);
    await room.announce('the room closes at noon');
    assert.deepEqual(await lines(ada, 2), [
      'bob joined the room',
      'admin: the room closes at noon',
    ]);
    assert.deepEqual(await lines(bob, 1), ['admin: the room closes at noon']);
    assert.equal(log.at(-1), 'announced: the room closes at noon');
  });

  it('malformed, oversized and spoofed datagrams are dropped or refused; the server goes on', async () => {
    const { server: room, log } = await server();
    const ada = await join('ada', room.port);
    const { socket, received } = await rawSocket();
    sockets.push(socket);
    await sendRaw(socket, 'hello?', room.port);
    await sendRaw(socket, new Uint8Array([0x4c, 0x20, 0xc3, 0x28]), room.port); // bad UTF-8
    await sendRaw(socket, `C ada ${'x'.repeat(4000)}`, room.port);
    await sendRaw(socket, 'C ada I am ada', room.port); // from another address than ada's
    await sendRaw(socket, 'E ada', room.port);
    // The server takes datagrams in order: once this one is answered, all the above were handled.
    await sendRaw(socket, 'L mallory', room.port);
    assert.equal(await received.get({ timeout: PATIENCE_MS }), 'NO ada belongs to another client');
    assert.equal(await received.get({ timeout: PATIENCE_MS }), 'NO ada belongs to another client');
    assert.equal(await received.get({ timeout: PATIENCE_MS }), 'OK');
    const bob = await join('bob', room.port);
    await bob.say('anyone?');
    // ada heard none of the bad datagrams, only the joins and bob.
    assert.deepEqual(await lines(ada, 3), [
      'mallory joined the room',
      'bob joined the room',
      'bob: anyone?',
    ]);
    assert.deepEqual(room.members(), ['ada', 'mallory', 'bob']);
    const dropped = log.filter((line) => line.startsWith('dropped a datagram'));
    assert.equal(dropped.length, 3);
    assert.match(dropped[0] ?? '', /unknown message "hello\?"/);
    assert.match(dropped[1] ?? '', /not UTF-8/);
    assert.match(dropped[2] ?? '', /oversized datagram \(4006 bytes\)/);
    assert.equal(log.filter((line) => line.includes('belongs to another client')).length, 2);
  });

  it('a client that goes silent is timed out and the others are told', async () => {
    // Keepalives ten times per timeout keep ada in; the raw socket never sends one.
    const { server: room, log } = await server({ timeoutMs: 2_000 });
    const ada = await join('ada', room.port, { keepaliveMs: 200 });
    const { socket, received } = await rawSocket();
    sockets.push(socket);
    await sendRaw(socket, 'L ghost', room.port);
    assert.equal(await received.get({ timeout: PATIENCE_MS }), 'OK');
    assert.deepEqual(await lines(ada, 2), [
      'ghost joined the room',
      'ghost left the room (timed out)',
    ]);
    assert.deepEqual(room.members(), ['ada']);
    assert.ok(log.includes('ghost timed out'), log.join('\n'));
    // ghost is no longer a member: what it says now is refused.
    await sendRaw(socket, 'C ghost am I here?', room.port);
    assert.equal(await received.get({ timeout: PATIENCE_MS }), 'NO ghost is not in the room');
  });

  it('ChatClient - argument errors name the bad value; say() refuses what cannot be sent', async () => {
    assert.throws(() => new ChatClient({ name: 'two words' }), {
      name: 'ArgumentRangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: /Expected `name` to be a chat name, got "two words"/,
    });
    assert.throws(() => new ChatClient({ name: 'ada', port: 70_000 }), /`port`.*70000/);
    const { server: room } = await server();
    const ada = await join('ada', room.port);
    await assert.rejects(ada.say(''), /empty text/);
    await assert.rejects(ada.say('x'.repeat(MAX_DATAGRAM_BYTES)), /fit in one 1024-byte datagram/);
    await ada.leave();
    await assert.rejects(ada.say('hi'), /ada is not in the room/);
  });
});

describe('the prompt and the chat command', () => {
  let room: ChatServer | undefined;
  const clients: ChatClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.leave()));
    await room?.close();
  });

  async function theRoom(): Promise<ChatServer> {
    room ??= await startChatServer({ host: '127.0.0.1', port: 0 });
    return room;
  }

  it('runChatSession() - a line that arrives is printed above the prompt, which keeps what was typed', async () => {
    const { port } = await theRoom();
    const ada = new ChatClient({ name: 'ada', port });
    const bob = new ChatClient({ name: 'bob', port });
    clients.push(ada, bob);
    await ada.login();
    await bob.login();
    const input = new PassThrough();
    const output = new PassThrough();
    let screen = '';
    output.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
    });
    const session = runChatSession(ada, { input, output, terminal: true });
    input.write('hel'); // typed, not yet sent
    await bob.say('hi ada');
    // The line arrives while "hel" is on the prompt: wait until the screen shows it.
    while (!screen.includes('bob: hi ada'))
      await new Promise((resolve) => output.once('data', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const esc = String.raw`(?:\x1b\[[0-9;]*[A-Za-z])*`;
    assert.match(
      screen,
      new RegExp(String.raw`\x1b\[2K\x1b\[1Gbob: hi ada\n${esc}ada> hel${esc}$`),
    );
    input.write('lo bob\n');
    assert.equal(await bob.messages.get({ timeout: PATIENCE_MS }), 'ada: hello bob');
    input.write('##\n');
    await session;
    assert.equal(ada.joined, false);
    assert.equal(await bob.messages.get({ timeout: PATIENCE_MS }), 'ada left the room');
  });

  it('runChatSession() - Ctrl-C leaves the room; the others are told', async () => {
    const { port } = await theRoom();
    const cy = new ChatClient({ name: 'cy', port });
    const dee = new ChatClient({ name: 'dee', port });
    clients.push(cy, dee);
    await cy.login();
    await dee.login();
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const session = runChatSession(cy, { input, output, terminal: true });
    input.write('\x03');
    await session;
    assert.equal(await dee.messages.get({ timeout: PATIENCE_MS }), 'cy left the room');
  });

  it('chat client - chats from its input; the end of the input leaves', async () => {
    const { port } = await theRoom();
    const eve = new ChatClient({ name: 'eve', port });
    clients.push(eve);
    await eve.login();
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const out: string[] = [];
    const err: string[] = [];
    const done = chatCommand(
      ['client', '--name', 'fay', '--port', String(port)],
      (line) => out.push(line),
      (line) => err.push(line),
      { input, output, terminal: false, signal: new AbortController().signal },
    );
    assert.equal(await eve.messages.get({ timeout: PATIENCE_MS }), 'fay joined the room');
    input.end('good morning\n');
    assert.equal(await done, 0);
    assert.deepEqual(
      await Promise.all([1, 2].map(() => eve.messages.get({ timeout: PATIENCE_MS }))),
      ['fay: good morning', 'fay left the room'],
    );
    assert.deepEqual(err, []);
    assert.deepEqual(out, [
      `Joined the room on 127.0.0.1:${port} as fay. Type to chat; ## or Ctrl-C leaves.`,
      'You left the room.',
    ]);
  });

  it('chat client - a refused login is exit code 1 with the reason', async () => {
    const { port } = await theRoom();
    const err: string[] = [];
    const code = await chatCommand(
      ['client', '--name', 'administrator', '--port', String(port)],
      () => {},
      (line) => err.push(line),
      { input: new PassThrough(), output: new PassThrough(), signal: new AbortController().signal },
    );
    assert.equal(code, 1);
    assert.deepEqual(err, ['Cannot join as administrator: names containing "admin" are reserved']);
  });

  it('chat client - a server that is not there is exit code 1, named', async () => {
    // A port that was free a moment ago: nothing listens on it.
    const { socket } = await rawSocket();
    const { port } = socket.address();
    await new Promise<void>((resolve) => {
      socket.close(() => {
        resolve();
      });
    });
    const err: string[] = [];
    const code = await chatCommand(
      ['client', '--name', 'hal', '--port', String(port)],
      () => {},
      (line) => err.push(line),
      { input: new PassThrough(), output: new PassThrough(), signal: new AbortController().signal },
    );
    assert.equal(code, 1);
    assert.equal(err.length, 1);
    assert.match(
      err[0] ?? '',
      new RegExp(`^(Cannot reach|No answer from) the chat server at 127\\.0\\.0\\.1:${port}`),
    );
  });

  it('chat server - console lines are announced; the end of the console stops it', async () => {
    const input = new PassThrough();
    const out: string[] = [];
    // Each wait ends once the server has printed a line that matches.
    const waits: { match: RegExp; resolve: () => void }[] = [];
    const printed = (match: RegExp): Promise<void> =>
      out.some((line) => match.test(line))
        ? Promise.resolve()
        : new Promise((resolve) => waits.push({ match, resolve }));
    const done = chatCommand(
      ['server', '--port', '0', '--timeout', '60'],
      (line) => {
        out.push(line);
        for (const wait of waits) if (wait.match.test(line)) wait.resolve();
      },
      (line) => out.push(`ERR ${line}`),
      { input, signal: new AbortController().signal },
    );
    await printed(/^Chat server on /);
    const port = Number(/:(\d+)\./.exec(out[0] ?? '')?.[1]);
    const gus = new ChatClient({ name: 'gus', port });
    await gus.login();
    input.write('hello everyone\n');
    assert.equal(await gus.messages.get({ timeout: PATIENCE_MS }), 'admin: hello everyone');
    await gus.leave();
    await printed(/^gus left$/);
    input.end();
    assert.equal(await done, 0);
    assert.deepEqual(out, [
      `Chat server on 127.0.0.1:${port}. Type a line to announce it to everyone; Ctrl-D or Ctrl-C stops the server.`,
      out[1],
      'announced: hello everyone',
      'gus left',
      'Chat server stopped.',
    ]);
    assert.match(out[1] ?? '', /^gus joined from 127\.0\.0\.1:\d+$/);
  });

  it('chatCommand() - bad arguments are named, exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['client'], /^error: required option '-n, --name <NAME>' not specified$/],
      [
        ['client', '--name', 'two words'],
        /^error: option '-n, --name <NAME>' argument 'two words' is invalid\. Expected one word of up to 32 characters/,
      ],
      [
        ['client', '--name', 'ada', '--port', 'x'],
        /^error: option '--port <P>' argument 'x' is invalid\. Expected an integer from 1 to 65535\.$/,
      ],
      [
        ['server', '--port', '70000'],
        /^error: option '--port <P>' argument '70000' is invalid\. Expected an integer from 0 to 65535\.$/,
      ],
      [
        ['server', '--timeout', '0'],
        /^error: option '--timeout <SECONDS>' argument '0' is invalid\. Expected a positive number of seconds\.$/,
      ],
      [['server', '--name', 'ada'], /^error: unknown option '--name'$/],
      [['talk'], /^error: unknown mode 'talk': one of server, client$/],
      [[], /^error: missing the mode: one of server, client$/],
    ];
    for (const [argv, message] of cases) {
      const out: string[] = [];
      const err: string[] = [];
      const signal = new AbortController().signal;
      const code = await chatCommand(
        argv,
        (line) => out.push(line),
        (line) => err.push(line),
        { signal },
      );
      assert.equal(code, 2, argv.join(' '));
      assert.equal(err.length, 2, argv.join(' '));
      assert.match(err[0] ?? '', message);
      assert.match(err[1] ?? '', /^usage: multitask chat/);
      assert.deepEqual(out, []);
    }
    const out: string[] = [];
    assert.equal(
      await chatCommand(
        ['client', '--help'],
        (line) => out.push(line),
        () => {},
      ),
      0,
    );
    assert.match(out[0] ?? '', /^Usage: multitask chat client \[options\]/);
  });
});
