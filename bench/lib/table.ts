/**
 * A scenario's result as a table: aligned text for the terminal, a pipe table for Markdown.
 * Both are built from the same cells, which come from the JSON-able {@link ScenarioResult}
 * alone, so a report can be redrawn from a results file.
 */
import type { CellStats, RowResult, ScenarioResult } from './results.ts';
import type { Column, Unit } from './types.ts';

const significant = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });
const ratioDigits = new Intl.NumberFormat('en-US', {
  minimumSignificantDigits: 3,
  maximumSignificantDigits: 3,
});

/** A number in a column's unit, to three significant digits. */
export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'x':
      return `${ratioDigits.format(value)}×`;
    case 'flag':
      return value === 1 ? 'yes' : 'no';
    case 'items/s':
    case 'tasks/s':
    case 's':
    case 'ms':
    case 'µs':
    case 'ns':
    case 'MB':
      return significant.format(value);
  }
}

function formatRatio(ratio: number | null): string {
  return ratio === null ? '–' : `${ratioDigits.format(ratio)}×`;
}

function columnHeader(column: Column): string {
  return column.unit === 'x' || column.unit === 'flag'
    ? column.header
    : `${column.header} (${column.unit})`;
}

function valueCell(cell: CellStats | undefined, column: Column, result: ScenarioResult): string {
  if (cell === undefined) return '–';
  if (column.unit === 'flag') {
    const known = cell.rounds.filter((value): value is number => value !== null);
    if (known.length === 0) return '–';
    const yes = known.filter((value) => value === 1).length;
    if (yes === known.length) return 'yes';
    return yes === 0 ? 'no' : `${yes} of ${known.length} rounds`;
  }
  if (cell.median === null) return cell.notReached > 0 ? result.nullText : 'failed';
  const text = formatValue(cell.median, column.unit);
  return cell.notReached > 0 ? `${text} †` : text;
}

function spreadCell(cell: CellStats | undefined, column: Column): string {
  if (cell === undefined || cell.min === null || cell.max === null) return '';
  if (cell.rounds.length < 2) return '';
  return `${formatValue(cell.min, column.unit)}–${formatValue(cell.max, column.unit)}`;
}

interface Grid {
  readonly header: readonly string[];
  /** Whether each column is numeric (right-aligned). */
  readonly numeric: readonly boolean[];
  readonly body: readonly (readonly string[])[];
}

function grid(result: ScenarioResult): Grid {
  const header = ['contender'];
  const numeric = [false];
  for (const column of result.columns) {
    header.push(columnHeader(column));
    numeric.push(true);
    if (column.unit !== 'flag') {
      header.push('min–max');
      numeric.push(true);
    }
  }
  for (const ratio of result.ratioHeaders) {
    header.push(ratio);
    numeric.push(true);
  }
  for (const text of result.textColumns) {
    header.push(text.header);
    numeric.push(false);
  }
  const body = result.rows.map((row: RowResult) => {
    const cells = [row.label];
    for (const column of result.columns) {
      const cell = row.cells[column.key];
      cells.push(valueCell(cell, column, result));
      if (column.unit !== 'flag') cells.push(spreadCell(cell, column));
    }
    for (const header of result.ratioHeaders) cells.push(formatRatio(row.ratios[header] ?? null));
    for (const text of result.textColumns) cells.push(row.text[text.key] ?? '');
    return cells;
  });
  return { header, numeric, body };
}

/** The lines under a table: rows not reached in some rounds, failures, the scenario's notes. */
export function footnotes(result: ScenarioResult): string[] {
  const notes: string[] = [];
  for (const row of result.rows) {
    const primary = row.cells[result.primary];
    if (primary !== undefined && primary.notReached > 0 && primary.median !== null) {
      notes.push(
        `† ${row.label}: ${result.nullText} in ${primary.notReached} of ${result.rounds} rounds; ` +
          'the median is over the others.',
      );
    }
    if (row.errors.length > 0) {
      const which =
        row.failedRounds.length === result.rounds
          ? 'failed in every round'
          : `failed in round ${row.failedRounds.join(', ')} of ${result.rounds}`;
      notes.push(`${row.label}: ${which}: ${row.errors.join('; ')}`);
    }
  }
  return [...notes, ...result.messages];
}

/** A scenario's number as the issue writes it: `06b-lock-handoff` → `6b`. */
export function scenarioNumber(id: string): string {
  return (id.split('-')[0] ?? id).replace(/^0+(?=.)/, '');
}

function heading(result: ScenarioResult): string {
  return `${scenarioNumber(result.id)}. ${result.title}`;
}

function roundsLine(result: ScenarioResult): string {
  return (
    `${result.rounds} ${result.rounds === 1 ? 'round' : 'rounds'} (each contender in a ` +
    'fresh process, A B A B …), ' +
    `${result.seconds} s, load average ${result.loadAtStart} at the start. Values: median ` +
    'across rounds, with min–max; ratios: median of ' +
    'the per-round ratios, above 1 = better than the reference.'
  );
}

/** The table as aligned text, with its heading and notes, for the terminal. */
export function renderText(result: ScenarioResult): string {
  const { header, numeric, body } = grid(result);
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...body.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return numeric[i] === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const out = [heading(result), result.description, roundsLine(result), ''];
  out.push(line(header), ...body.map(line));
  const notes = footnotes(result);
  if (notes.length > 0) out.push('', ...notes.map((note) => `- ${note}`));
  return out.join('\n');
}

function escapeMarkdown(cell: string): string {
  return cell.replaceAll('|', '\\|');
}

/** The table as a Markdown section. */
export function renderMarkdown(result: ScenarioResult): string {
  const { header, numeric, body } = grid(result);
  const row = (cells: readonly string[]): string =>
    `| ${cells.map((cell) => escapeMarkdown(cell)).join(' | ')} |`;
  const rule = `|${numeric.map((isNumber) => (isNumber ? ' --: ' : ' :-- ')).join('|')}|`;
  const out = [`### ${heading(result)}`, '', result.description, '', roundsLine(result), ''];
  if (body.length > 0) out.push(row(header), rule, ...body.map(row));
  else out.push('No contender could be measured.');
  const notes = footnotes(result);
  if (notes.length > 0) out.push('', ...notes.map((note) => `- ${escapeMarkdown(note)}`));
  return out.join('\n');
}
