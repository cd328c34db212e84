/**
 * A connected `net.Socket` in a Process's `args` is handed to the child as a real socket
 * (the IPC channel's send-handle), as Python's multiprocessing hands a socket to a child:
 * the child reads and writes the connection, and the parent's copy is closed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { after, before, it } from 'node:test';
import { ArgumentTypeError, Process, taskModule } from '../../src/index.ts';

const tasks = taskModule<typeof import('../fixtures/socket-tasks.ts')>(
  new URL('../fixtures/socket-tasks.ts', import.meta.url),
);

let server: Server;
/** Accepted connections, in order, not yet taken by a test. */
const accepted: Socket[] = [];
const waiting: ((socket: Socket) => void)[] = [];

before(async () => {
  // pauseOnConnect: nothing is read here, so every byte the client sends reaches the child.
  server = createServer({ pauseOnConnect: true }, (socket) => {
    const waiter = waiting.shift();
    if (waiter === undefined) accepted.push(socket);
    else waiter(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

after(async () => {
  // 'close' comes once every connection is closed: also those handed to processes.
  const closed = once(server, 'close');
  server.close();
  await closed;
});

/** Connects a client; returns it with the server's side of the connection. */
async function connectPair(): Promise<{ client: Socket; served: Socket }> {
  const { port } = server.address() as AddressInfo;
  const client = createConnection({ host: '127.0.0.1', port });
  const served =
    accepted.shift() ?? (await new Promise<Socket>((resolve) => waiting.push(resolve)));
  await once(client, 'connect');
  return { client, served };
}

async function readAll(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

it('Process - a socket in args is handed to the child, which serves the connection', async () => {
  const { client, served } = await connectPair();
  const proc = new Process({ target: tasks.answerUpper, args: ['first', served] });
  // Sent before the child exists: it must wait in the kernel, not be read by the parent.
  client.write('hello from the client\n');
  const answer = readAll(client);
  proc.start();
  await proc.join();
  assert.equal(proc.exitCode, 0);
  assert.equal(await answer, `${proc.pid} first HELLO FROM THE CLIENT`);
  assert.notEqual(proc.pid, process.pid);
  // Node closed the parent's copy once it was sent.
  assert.equal(served.destroyed, true);
});

it('Process - two processes serve two connections at once', async () => {
  const a = await connectPair();
  const b = await connectPair();
  const procs = [
    new Process({ target: tasks.answerUpper, args: ['a', a.served] }),
    new Process({ target: tasks.answerUpper, args: ['b', b.served] }),
  ];
  for (const proc of procs) proc.start();
  const answers = Promise.all([readAll(a.client), readAll(b.client)]);
  a.client.write('one\n');
  b.client.write('two\n');
  await Promise.all(procs.map((proc) => proc.join()));
  assert.deepEqual(
    procs.map((proc) => proc.exitCode),
    [0, 0],
  );
  assert.deepEqual(await answers, [`${procs[0]?.pid} a ONE`, `${procs[1]?.pid} b TWO`]);
  // Handed over, each connection counts as closed on the parent's server, exactly once.
  const open = await new Promise<number>((resolve, reject) => {
    server.getConnections((error, count) => {
      if (error === null) resolve(count);
      else reject(error);
    });
  });
  assert.equal(open, 0);
});

it('Process - more than one socket in args is refused, naming them', async () => {
  const a = await connectPair();
  const b = await connectPair();
  try {
    assert.throws(
      () => new Process({ target: tasks.answerUpper, args: [a.served, b.served] as never }),
      (error: unknown) =>
        error instanceof ArgumentTypeError &&
        error.code === 'ERR_INVALID_ARG_VALUE' &&
        error.message ===
          "Expected at most one net.Socket in a process's `args`, got 2 (args[0], args[1])",
    );
  } finally {
    for (const socket of [a.client, a.served, b.client, b.served]) socket.destroy();
  }
});

it('Process - a process stopped before it received the socket closes the connection', async () => {
  const { client, served } = await connectPair();
  const proc = new Process({ target: tasks.answerUpper, args: ['never', served] });
  const answer = readAll(client);
  proc.start();
  // Synchronously after start(): the child cannot have announced itself yet.
  proc.kill();
  await proc.join();
  assert.equal(proc.exitCode, -9);
  assert.equal(await answer, '');
  assert.equal(served.destroyed, true);
});
