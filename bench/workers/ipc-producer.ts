/**
 * Scenario 5's process producer: a forked child that, on `go`, sends `items` small items
 * (`{ i }`) to its parent over the built-in IPC channel, then its start time.
 */
const items = Number(process.argv[2]);
const send = (message: unknown): void => {
  if (process.send === undefined) throw new Error('ipc-producer.js runs as a forked child');
  process.send(message);
};

process.once('message', () => {
  const at = process.hrtime.bigint();
  for (let i = 0; i < items; i++) send({ i });
  // JSON cannot carry a bigint: the start time travels as a decimal string.
  send({ started: String(at) });
  // Stay connected: the parent ends this process once it has every item.
});
send({ ready: true });
