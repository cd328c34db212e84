/**
 * `multitask demo NAME`: the course's demos, one subcommand each, so that `demo --help`
 * lists them and `demo NAME --help` describes one without running it.
 */
import { Command, onRun, requireSubcommand, type CommandIO } from '../internal/command-line.ts';
import { main as balance } from '../examples/balance/main.ts';
import { main as bank } from '../examples/bank/main.ts';
import { main as event } from '../examples/event/main.ts';
import { main as gevent } from '../examples/gevent/main.ts';
import { main as greenlet } from '../examples/greenlet/main.ts';
import { main as local } from '../examples/local/main.ts';
import { main as managerDemo } from '../examples/manager/main.ts';
import { main as poolCopy } from '../examples/pool-copy/main.ts';
import { DEFAULT_N, main as primes } from '../examples/primes/main.ts';
import { main as producerConsumer } from '../examples/producer-consumer/main.ts';
import { main as subprocessDemo } from '../examples/subprocess/main.ts';
import { main as tickets } from '../examples/tickets/main.ts';

type Demo = (write: (line: string) => void) => Promise<unknown>;

/** The course's demos by name, each with what it shows: each prints its own report. */
export const DEMOS: Readonly<Record<string, readonly [summary: string, run: Demo]>> = {
  balance: ['deposits race on one balance without a lock, then with it', (w) => balance(w)],
  bank: [
    "two clerks deadlock on two accounts' locks (reported on stderr), then avoid it",
    (w) => bank(w, { diagnose: true, timeoutMs: 500 }),
  ],
  event: ['a teacher wakes waiting students with one Event', (w) => event(w)],
  gevent: ['sleeps and a crawler in greenlets on one thread', (w) => gevent(w)],
  greenlet: ['two greenlets hand control back and forth with switch', (w) => greenlet(w)],
  local: ['threading.local: each thread and greenlet sees its own data', (w) => local(w)],
  manager: ["ten processes change a Manager's dict and list", (w) => managerDemo(w)],
  'pool-copy': ["a process Pool copies a directory's files", (w) => poolCopy(w)],
  primes: ['the prime-sum timing with its default N', (w) => primes(DEFAULT_N, w)],
  'producer-consumer': [
    'producers and consumers around one bounded Queue',
    (w) => producerConsumer(w),
  ],
  subprocess: ["answers an interactive child's questions through stdin", (w) => subprocessDemo(w)],
  tickets: ['buyers race for tickets in one file, then with a lock', (w) => tickets(w)],
};

/** The `demo` command and one subcommand per demo. */
export function demoProgram(io: CommandIO): Command {
  const demo = new Command('demo')
    .summary("run one of the course's demos")
    .description(`Runs one of the course's demos: ${Object.keys(DEMOS).join(', ')}.`)
    .usage('NAME');
  for (const [name, [summary, run]] of Object.entries(DEMOS)) {
    demo.addCommand(
      onRun(new Command(name).description(summary), async () => {
        await run(io.out);
        return 0;
      }),
    );
  }
  return requireSubcommand(demo, 'demo');
}
