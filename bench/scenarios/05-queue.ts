/**
 * Scenario 5: queue throughput, items per second from one thread to another (and from a
 * process to its parent). Baselines: `postMessage` of `{ i }` objects over a MessageChannel
 * between two workers, the bare SharedArrayBuffer ring carrying the Int32 `i`, and
 * child_process IPC; multitask's Queue (issue 4) beside them.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { SpscRing } from '../baselines/spsc-ring.ts';
import { loadMultitask, type Multitask } from '../lib/multitask.ts';
import { benchFile, benchUrl } from '../lib/paths.ts';
import { cpython } from '../lib/python.ts';
import { grouped } from '../lib/text.ts';
import type { Measurement, Scenario } from '../lib/types.ts';
import type { QueueWorkerData, QueueWorkerMessage } from '../workers/queue-worker.ts';
import {
  END,
  START,
  type consume,
  type produce,
  type consumeInProcess,
  type produceFromProcess,
  type QueueItem,
  type SyncQueue,
} from '../workers/queue-tasks.ts';

type QueueParams = {
  /** The first items of every thread-to-thread run are not timed: the JIT warms up. */
  warmupShare: number;
  portItems: number;
  ringItems: number;
  processItems: number;
  multitaskThreadItems: number;
  multitaskProcessItems: number;
  /** From a Process with the native addon: more items, each put costing no round trip. */
  nativeProcessItems: number;
  pythonThreadItems: number;
  pythonProcessItems: number;
};

function startWorker(data: QueueWorkerData, transfer: readonly MessagePort[]): Worker {
  return new Worker(benchFile('workers/queue-worker'), {
    workerData: data,
    transferList: [...transfer],
  });
}

function nextMessage(
  worker: Worker,
  type: QueueWorkerMessage['type'],
): Promise<QueueWorkerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: QueueWorkerMessage): void => {
      if (message.type !== type) return;
      worker.off('message', onMessage);
      resolve(message);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

/** The items of a run of `items` that warm up, untimed. */
function warmupOf(items: number, share: number): number {
  return Math.round(items * share);
}

/**
 * Runs one producer thread and one consumer thread; returns items per second from the
 * consumer holding the last warm-up item to it holding the last item.
 */
async function threadToThread(
  transport: 'port' | 'ring',
  items: number,
  warmup: number,
): Promise<Measurement> {
  let producer: Worker;
  let consumer: Worker;
  if (transport === 'port') {
    const { port1, port2 } = new MessageChannel();
    producer = startWorker({ role: 'producer', transport, items, warmup, port: port1 }, [port1]);
    consumer = startWorker({ role: 'consumer', transport, items, warmup, port: port2 }, [port2]);
  } else {
    const ring = SpscRing.allocate(4096);
    producer = startWorker({ role: 'producer', transport, items, warmup, ring }, []);
    consumer = startWorker({ role: 'consumer', transport, items, warmup, ring }, []);
  }
  try {
    const done = nextMessage(consumer, 'done');
    await Promise.all([nextMessage(producer, 'ready'), nextMessage(consumer, 'ready')]);
    producer.postMessage('go');
    const end = await done;
    if (end.type !== 'done') throw new Error('unexpected message');
    if (end.count !== items || end.checksum !== (items * (items - 1)) / 2) {
      throw new Error(`lost items: ${end.count} of ${items}, checksum ${end.checksum}`);
    }
    return { values: { rate: (items - warmup) / (Number(end.at - end.from) / 1e9) } };
  } finally {
    await Promise.all([producer.terminate(), consumer.terminate()]);
  }
}

/** A forked process sends `items` items to this one over child_process IPC. */
async function processToParent(items: number): Promise<Measurement> {
  const child = fork(benchFile('workers/ipc-producer'), [String(items)], { stdio: 'ignore' });
  try {
    await once(child, 'message');
    let count = 0;
    let checksum = 0;
    let end = 0n;
    const started = new Promise<bigint>((resolve) => {
      child.on('message', (message: { i?: number; started?: string }) => {
        if (message.i !== undefined) {
          count++;
          checksum += message.i;
          if (count === items) end = process.hrtime.bigint();
        } else if (message.started !== undefined) {
          resolve(BigInt(message.started));
        }
      });
    });
    child.send('go');
    const start = await started;
    if (count !== items || checksum !== (items * (items - 1)) / 2) {
      throw new Error(`lost items: ${count} of ${items}, checksum ${checksum}`);
    }
    return { values: { rate: items / (Number(end - start) / 1e9) } };
  } finally {
    child.kill();
  }
}

/** The part of multitask's Queue used here (see SyncQueue), found at run time. */
interface SharedQueue<T> extends SyncQueue<T> {
  get(): Promise<T>;
}
type QueueConstructor = new () => SharedQueue<QueueItem>;

function queueClass(multitask: Multitask): QueueConstructor {
  const { Queue } = multitask as unknown as { Queue?: QueueConstructor };
  if (Queue === undefined) throw new Error('multitask exports no Queue');
  return Queue;
}

function checkItems(count: number, checksum: number, items: number): void {
  if (count !== items || checksum !== (items * (items - 1)) / 2) {
    throw new Error(`lost items: ${count} of ${items}, checksum ${checksum}`);
  }
}

/**
 * A multitask Thread puts `items` items into a Queue, another Thread gets them; timed as
 * {@link threadToThread} is.
 */
async function multitaskThreads(items: number, warmup: number): Promise<Measurement> {
  const multitask = await loadMultitask();
  const { Thread, taskRef } = multitask;
  const Queue = queueClass(multitask);
  const url = benchUrl('workers/queue-tasks');
  const queue = new Queue();
  const times = new BigInt64Array(new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT));
  const sums = new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));
  const consumer = new Thread({
    target: taskRef<typeof consume>(url, 'consume'),
    args: [queue, items, warmup, times, sums],
  });
  const producer = new Thread({
    target: taskRef<typeof produce>(url, 'produce'),
    args: [queue, items],
  });
  consumer.start();
  producer.start();
  await Promise.all([consumer.join(), producer.join()]);
  if (consumer.exitCode !== 0 || producer.exitCode !== 0) {
    throw new Error(`exit codes: consumer ${consumer.exitCode}, producer ${producer.exitCode}`);
  }
  checkItems(items, sums[0] ?? Number.NaN, items);
  const start = Atomics.load(times, START);
  const end = Atomics.load(times, END);
  return { values: { rate: (items - warmup) / (Number(end - start) / 1e9) } };
}

/**
 * A multitask Process puts `items` items into a Queue its parent created (mapped from the
 * parent's arenas with the native addon, or through the parent's broker); the parent gets
 * them with `await queue.get()`. (A blocking `getSync()` right after `start()` would stop
 * the parent's event loop before the child has its target.) Each measurement is a fresh
 * process, and the child inherits the variable.
 */
async function multitaskProcess(items: number, backend: 'native' | 'broker'): Promise<Measurement> {
  process.env.MULTITASK_SHARED_MEMORY = backend;
  const multitask = await loadMultitask();
  const { Process, taskRef } = multitask;
  const Queue = queueClass(multitask);
  const dir = mkdtempSync(join(tmpdir(), 'multitask-bench-'));
  try {
    const path = join(dir, 'start');
    const queue = new Queue();
    const producer = new Process({
      target: taskRef<typeof produceFromProcess>(
        benchUrl('workers/queue-tasks'),
        'produceFromProcess',
      ),
      args: [queue, items, path],
    });
    producer.start();
    let checksum = 0;
    for (let n = 0; n < items; n++) checksum += (await queue.get()).i;
    const end = process.hrtime.bigint();
    await producer.join();
    if (producer.exitCode !== 0) throw new Error(`producer exit code ${producer.exitCode}`);
    checkItems(items, checksum, items);
    const start = BigInt(readFileSync(path, 'utf8'));
    return { values: { rate: items / (Number(end - start) / 1e9) } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Two multitask Processes on a Queue their parent created and mapped from its arenas (the
 * native addon): one puts `items` items with `putSync`, the other gets them with `getSync`.
 * Timed from the producer starting to the consumer holding the last item (both read the
 * machine's monotonic clock). Each measurement is a fresh pair of processes.
 */
async function processToProcess(items: number): Promise<Measurement> {
  process.env.MULTITASK_SHARED_MEMORY = 'native';
  const multitask = await loadMultitask();
  const { Process, taskRef } = multitask;
  const Queue = queueClass(multitask);
  const dir = mkdtempSync(join(tmpdir(), 'multitask-bench-'));
  try {
    const startPath = join(dir, 'start');
    const endPath = join(dir, 'end');
    const queue = new Queue();
    const tasks = benchUrl('workers/queue-tasks');
    const consumer = new Process({
      target: taskRef<typeof consumeInProcess>(tasks, 'consumeInProcess'),
      args: [queue, items, endPath],
    });
    const producer = new Process({
      target: taskRef<typeof produceFromProcess>(tasks, 'produceFromProcess'),
      args: [queue, items, startPath],
    });
    consumer.start();
    producer.start();
    await Promise.all([producer.join(), consumer.join()]);
    if (producer.exitCode !== 0 || consumer.exitCode !== 0) {
      throw new Error(`exit codes ${producer.exitCode} and ${consumer.exitCode}`);
    }
    const [end = '', sum = ''] = readFileSync(endPath, 'utf8').split(' ');
    checkItems(items, Number(sum), items);
    const start = BigInt(readFileSync(startPath, 'utf8'));
    return { values: { rate: items / (Number(BigInt(end) - start) / 1e9) } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const queueThroughput: Scenario<QueueParams> = {
  id: '05-queue',
  title: 'Queue throughput, thread to thread and process to parent',
  rounds: { quick: 2, full: 5 },
  params: (mode) =>
    mode === 'quick'
      ? {
          warmupShare: 0.2,
          portItems: 50_000,
          ringItems: 1_000_000,
          processItems: 10_000,
          multitaskThreadItems: 250_000,
          multitaskProcessItems: 1_000,
          nativeProcessItems: 100_000,
          pythonThreadItems: 20_000,
          pythonProcessItems: 10_000,
        }
      : {
          warmupShare: 0.2,
          portItems: 500_000,
          ringItems: 10_000_000,
          processItems: 100_000,
          // Enough to time some 0.2 s past the warm-up, as postMessage's count does.
          multitaskThreadItems: 2_500_000,
          multitaskProcessItems: 5_000,
          nativeProcessItems: 1_000_000,
          pythonThreadItems: 200_000,
          pythonProcessItems: 100_000,
        },
  describe: (p) =>
    'Small items from a producer to a consumer. Threads: timed from the consumer holding ' +
    `the last of the first ${p.warmupShare * 100}% of the items (untimed warm-up) to it ` +
    'holding the last item; processes: from the producer starting to the parent holding ' +
    `the last item. Threads: \`postMessage\` of \`{ i }\` over a ` +
    `MessageChannel between two workers (${grouped(p.portItems)} items); the bare ` +
    `SharedArrayBuffer ring, 4,096 Int32 slots (${grouped(p.ringItems)} items). Process: ` +
    `a forked child's \`process.send({ i })\` to its parent (${grouped(p.processItems)}). ` +
    `multitask: a \`Queue\` of \`{ i }\` items between two \`Thread\`s with \`putSync\`/` +
    `\`getSync\` (${grouped(p.multitaskThreadItems)} items), and from a \`Process\` ` +
    `(\`putSync\`) to the parent's \`await get()\`, mapped from the parent's arenas ` +
    `(native addon, ${grouped(p.nativeProcessItems)}) or through its broker ` +
    `(${grouped(p.multitaskProcessItems)}), and from one \`Process\` to another on the ` +
    `parent's queue (native addon, ${grouped(p.nativeProcessItems)}; from the producer ` +
    'starting to the consumer holding the last item). ' +
    `CPython: \`queue.Queue\` between two threads (${grouped(p.pythonThreadItems)} dicts), ` +
    `\`multiprocessing.Queue\` from a process to its parent (${grouped(p.pythonProcessItems)}).`,
  timeoutMs: () => 120_000,
  contenders: [
    {
      kind: 'node',
      id: 'postmessage',
      label: 'postMessage, thread → thread',
      measure: (p) => threadToThread('port', p.portItems, warmupOf(p.portItems, p.warmupShare)),
    },
    {
      kind: 'node',
      id: 'bare-ring',
      label: 'bare SAB ring, thread → thread',
      measure: (p) => threadToThread('ring', p.ringItems, warmupOf(p.ringItems, p.warmupShare)),
    },
    {
      kind: 'node',
      id: 'multitask-queue-threads',
      label: 'multitask Queue, thread → thread',
      requires: { exports: ['Queue', 'Thread', 'taskRef'], issue: 4 },
      measure: (p) =>
        multitaskThreads(p.multitaskThreadItems, warmupOf(p.multitaskThreadItems, p.warmupShare)),
    },
    {
      kind: 'node',
      id: 'fork-ipc',
      label: 'child_process IPC, process → parent',
      measure: (p) => processToParent(p.processItems),
    },
    {
      kind: 'node',
      id: 'multitask-queue-process',
      label: 'multitask Queue, process → parent, native',
      requires: { exports: ['Queue', 'Process', 'taskRef'], issue: 12 },
      measure: (p) => multitaskProcess(p.nativeProcessItems, 'native'),
    },
    {
      kind: 'node',
      id: 'multitask-queue-process-to-process',
      label: 'multitask Queue, process → process, native',
      requires: { exports: ['Queue', 'Process', 'taskRef'], issue: 12 },
      measure: (p) => processToProcess(p.nativeProcessItems),
    },
    {
      kind: 'node',
      id: 'multitask-queue-process-broker',
      label: 'multitask Queue, process → parent, broker',
      requires: { exports: ['Queue', 'Process', 'taskRef'], issue: 4 },
      measure: (p) => multitaskProcess(p.multitaskProcessItems, 'broker'),
    },
    cpython('cpython-queue-threads', 'CPython queue.Queue, thread → thread'),
    cpython('cpython-mp-queue', 'CPython multiprocessing.Queue, process → parent'),
  ],
  table: {
    columns: [{ key: 'rate', header: 'throughput', unit: 'items/s', better: 'higher' }],
    primary: 'rate',
    ratios: [
      { header: 'vs postMessage', ref: () => 'postmessage' },
      { header: 'vs bare ring', ref: () => 'bare-ring' },
      // The process rows beside CPython's multiprocessing.Queue, round by round (issue 12).
      {
        header: 'vs CPython mp.Queue',
        ref: (row) =>
          row.id.includes('process') || row.id === 'fork-ipc' ? 'cpython-mp-queue' : undefined,
      },
    ],
  },
};
