/**
 * The course's subprocess example: a program that asks its questions through stdin. The
 * course answers an interactive `nslookup` (`set q=mx`, a domain, `exit`) with
 * `communicate()`; here the child is a small offline resolver (resolver.ts) that reads the
 * same kind of questions, so the demo runs anywhere, without a network. The questions go in
 * with `communicate({ input })`, which closes stdin after them and reads the answers to
 * their end; the answer is printed, and the child's return code checked.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CalledProcessError, PIPE, Popen } from '../../index.ts';

/** The course's questions: mail exchangers, then an address, then one that does not exist. */
export const QUESTIONS: readonly string[] = [
  'set q=mx',
  'python.example',
  'set q=a',
  'mail.python.example',
  'nowhere.example',
  'exit',
];

/** What {@link main} asked and heard. */
export interface SubprocessReport {
  readonly questions: readonly string[];
  /** The child's stdout, one line each. */
  readonly answers: readonly string[];
  /** What it wrote to stderr (nothing, unless a question was wrong). */
  readonly errors: string;
  readonly returncode: number;
}

/**
 * The command that starts the resolver: Node, with tsx when this runs from the sources.
 */
function resolverCommand(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./resolver.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  return fromSource
    ? [process.execPath, '--import', import.meta.resolve('tsx'), script]
    : [process.execPath, script];
}

/**
 * Starts the resolver, sends it `questions` through stdin, and prints them with its answer.
 * @returns The questions, the answer lines, stderr and the return code.
 * @throws {CalledProcessError} The resolver exited with a non-zero status.
 * @throws {TimeoutExpiredError} It did not answer within 30 seconds (it is then killed).
 * @example
 * ```ts
 * await main(console.log);
 * // > set q=mx
 * // > python.example
 * // ...
 * // python.example	mail exchanger = 50 mail.python.example.
 * ```
 */
export async function main(
  write: (line: string) => void,
  questions: readonly string[] = QUESTIONS,
): Promise<SubprocessReport> {
  const command = resolverCommand();
  write(`Subprocess: asking a resolver (${basename(command.at(-1) ?? '')}) through its stdin`);
  await using resolver = new Popen(command, {
    stdin: PIPE,
    stdout: PIPE,
    stderr: PIPE,
    text: true,
  });
  for (const question of questions) write(`> ${question}`);
  let out: string | null;
  let err: string | null;
  try {
    [out, err] = await resolver.communicate({
      input: questions.map((q) => `${q}\n`).join(''),
      timeout: 30_000,
    });
  } catch (error) {
    resolver.kill(); // Python's rule for communicate(): a timeout leaves the child running.
    throw error;
  }
  const answers = (out ?? '').split('\n').filter((line) => line !== '');
  for (const line of answers) write(line);
  const returncode = resolver.returncode ?? (await resolver.wait());
  write(`resolver exited with ${returncode}`);
  if (returncode !== 0) {
    throw new CalledProcessError(returncode, resolver.args, out, err);
  }
  return { questions, answers, errors: err ?? '', returncode };
}
