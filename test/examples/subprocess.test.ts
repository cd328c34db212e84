/**
 * The course's subprocess example: the questions go to the resolver's stdin through
 * communicate(), and its answers come back in order, with a return code of 0.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { main, QUESTIONS } from '../../src/examples/subprocess/main.ts';

it('main() - asks the resolver through stdin and prints its answers', async () => {
  const lines: string[] = [];
  const report = await main((line) => lines.push(line));
  const answers = [
    'python.example\tmail exchanger = 50 mail.python.example.',
    'mail.python.example\tAddress: 192.0.2.25',
    "** server can't find nowhere.example: NXDOMAIN",
  ];
  assert.deepEqual(report, { questions: QUESTIONS, answers, errors: '', returncode: 0 });
  assert.deepEqual(lines, [
    'Subprocess: asking a resolver (resolver.ts) through its stdin',
    ...QUESTIONS.map((question) => `> ${question}`),
    ...answers,
    'resolver exited with 0',
  ]);
});

it('main() - other questions: the record type persists until set again', async () => {
  const report = await main(() => undefined, ['course.example', 'set q=mx', 'course.example']);
  assert.deepEqual(report.answers, [
    'course.example\tAddress: 192.0.2.80',
    'course.example\tmail exchanger = 10 mx1.course.example.',
    'course.example\tmail exchanger = 20 mx2.course.example.',
  ]);
});

it('main() - a wrong question is reported on stderr, and the resolver goes on', async () => {
  const report = await main(() => undefined, ['set q=txt', 'python.example']);
  assert.deepEqual(
    [report.errors, report.answers],
    ['unknown query type: TXT\n', ['python.example\tAddress: 192.0.2.10']],
  );
});
