/**
 * Scenario 5's threads: a producer that sends `items` small items and a consumer that
 * receives them, over a MessagePort (`{ i }` objects) or over the bare SharedArrayBuffer
 * ring (the Int32 `i`). The consumer notes the machine-wide monotonic clock when it holds
 * the last of `warmup` items and when it holds the last item: the steady state between.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { SpscRing } from '../baselines/spsc-ring.ts';

export type QueueWorkerData =
  | {
      readonly role: 'producer' | 'consumer';
      readonly transport: 'port';
      readonly items: number;
      readonly warmup: number;
      readonly port: MessagePort;
    }
  | {
      readonly role: 'producer' | 'consumer';
      readonly transport: 'ring';
      readonly items: number;
      readonly warmup: number;
      readonly ring: SharedArrayBuffer;
    };

export type QueueWorkerMessage =
  | { readonly type: 'ready' }
  | {
      readonly type: 'done';
      /** When the consumer held the last warm-up item. */
      readonly from: bigint;
      readonly at: bigint;
      readonly count: number;
      readonly checksum: number;
    };

const parent = parentPort;
if (parent === null) throw new Error('queue-worker.js runs in a worker thread');
const data = workerData as QueueWorkerData;
const post = (message: QueueWorkerMessage): void => {
  parent.postMessage(message);
};

if (data.role === 'producer') {
  parent.once('message', () => {
    if (data.transport === 'port') {
      for (let i = 0; i < data.items; i++) data.port.postMessage({ i });
    } else {
      const ring = new SpscRing(data.ring, 'producer');
      for (let i = 0; i < data.items; i++) ring.push(i);
    }
  });
  post({ type: 'ready' });
} else if (data.transport === 'port') {
  let count = 0;
  let checksum = 0;
  let from = 0n;
  data.port.on('message', ({ i }: { i: number }) => {
    count++;
    checksum += i;
    if (count === data.warmup) from = process.hrtime.bigint();
    if (count === data.items) {
      post({ type: 'done', from, at: process.hrtime.bigint(), count, checksum });
      data.port.close();
    }
  });
  post({ type: 'ready' });
} else {
  post({ type: 'ready' });
  const ring = new SpscRing(data.ring, 'consumer');
  let checksum = 0;
  for (let count = 0; count < data.warmup; count++) checksum += ring.pop();
  const from = process.hrtime.bigint();
  for (let count = data.warmup; count < data.items; count++) checksum += ring.pop();
  post({ type: 'done', from, at: process.hrtime.bigint(), count: data.items, checksum });
}
