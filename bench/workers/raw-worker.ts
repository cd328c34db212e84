/**
 * The raw baseline's worker: one `postMessage` in per request, one out per reply.
 */
import { parentPort } from 'node:worker_threads';
import type { RawReply, RawRequest } from '../baselines/raw-pool.ts';
import { runTask } from './tasks.ts';

const port = parentPort;
if (port === null) throw new Error('raw-worker.js runs in a worker thread');

port.on('message', (request: RawRequest) => {
  let reply: RawReply;
  try {
    reply = { id: request.id, ok: true, value: runTask(request.task, request.arg) };
  } catch (error) {
    reply = { id: request.id, ok: false, error: String(error) };
  }
  port.postMessage(reply);
});
