/**
 * The child program of `multitask demo subprocess`: a small, offline `nslookup`. It reads
 * its questions from stdin, one a line, as nslookup's interactive mode does: `set q=TYPE`
 * chooses the record type (A or MX), a name asks for its records, `exit` ends. It answers
 * from a zone of its own, so the demo needs no network.
 */
import { createInterface } from 'node:readline';

type RecordType = 'A' | 'MX';

/** The zone: each name's records by type. */
const ZONE: Readonly<Record<string, Readonly<Partial<Record<RecordType, readonly string[]>>>>> = {
  'python.example': { A: ['192.0.2.10'], MX: ['50 mail.python.example.'] },
  'mail.python.example': { A: ['192.0.2.25'] },
  'course.example': {
    A: ['192.0.2.80'],
    MX: ['10 mx1.course.example.', '20 mx2.course.example.'],
  },
};

/** How nslookup words each type of answer. */
const LABELS: Readonly<Record<RecordType, string>> = { A: 'Address:', MX: 'mail exchanger =' };

function answer(name: string, type: RecordType): string[] {
  const records = ZONE[name.toLowerCase().replace(/\.$/, '')]?.[type];
  if (records === undefined) return [`** server can't find ${name}: NXDOMAIN`];
  return records.map((record) => `${name}\t${LABELS[type]} ${record}`);
}

let type: RecordType = 'A';
const lines = createInterface({ input: process.stdin, terminal: false });
for await (const raw of lines) {
  const line = raw.trim();
  if (line === '') continue;
  if (line === 'exit') break;
  const setting = /^set\s+q(?:uerytype)?=(\w+)$/i.exec(line);
  if (setting !== null) {
    const wanted = (setting[1] ?? '').toUpperCase();
    if (wanted === 'A' || wanted === 'MX') type = wanted;
    else process.stderr.write(`unknown query type: ${wanted}\n`);
    continue;
  }
  process.stdout.write(`${answer(line, type).join('\n')}\n`);
}
lines.close();
