/**
 * From per-round child outcomes to a scenario's table: medians and min–max across rounds,
 * and ratios computed round by round (so that machine drift between rounds cancels out)
 * before their median is taken.
 */
import { betterRatio, median, roundSignificant } from './stats.ts';
import type { ChildOutcome } from './spawn.ts';
import type { Column, Params, RowSpec, Scenario, TextColumn } from './types.ts';

/** One column of one row, across the rounds. */
export interface CellStats {
  /** `null` when no round produced a number. */
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Per round: the value, or `null` when it was not reached or the round failed. */
  readonly rounds: readonly (number | null)[];
  /** Rounds whose value was `null` (not reached within the scenario's limit). */
  readonly notReached: number;
}

export interface RowResult {
  readonly id: string;
  readonly label: string;
  readonly contender: string;
  readonly cells: Readonly<Record<string, CellStats>>;
  /** Ratio column header → ratio; `null` when there is nothing to compare. */
  readonly ratios: Readonly<Record<string, number | null>>;
  readonly text: Readonly<Record<string, string>>;
  /** Rounds (1-based) whose child failed. */
  readonly failedRounds: readonly number[];
  /** The distinct errors of those rounds. */
  readonly errors: readonly string[];
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly rounds: number;
  readonly params: Params;
  readonly seconds: number;
  /** The machine's 1-minute load average when the scenario started (the machine is shared). */
  readonly loadAtStart: number;
  readonly columns: readonly Column[];
  readonly primary: string;
  readonly ratioHeaders: readonly string[];
  readonly textColumns: readonly TextColumn[];
  readonly nullText: string;
  readonly rows: readonly RowResult[];
  /**
   * Every row against every other on the primary column: `pairwise[i][j]` is the median
   * per-round ratio of row i to row j (above 1 = row i is better), rows in table order.
   */
  readonly pairwise: readonly (readonly (number | null)[])[];
  /** Lines under the table: rows not measured and why, failures, notes. */
  readonly messages: readonly string[];
}

/** The table rows of a scenario: its own, or one per measured contender. */
export function tableRows(scenario: Scenario, measured: readonly string[]): RowSpec[] {
  const rows =
    scenario.table.rows ??
    scenario.contenders.map((contender) => ({
      id: contender.id,
      contender: contender.id,
      label: contender.label,
    }));
  return rows.filter((row) => measured.includes(row.contender));
}

function cellStats(values: readonly (number | null)[], notReached: number): CellStats {
  const numbers = values.filter((value): value is number => value !== null);
  const round = (value: number | undefined): number | null =>
    value === undefined ? null : roundSignificant(value);
  return {
    median: round(median(numbers)),
    min: round(numbers.length === 0 ? undefined : Math.min(...numbers)),
    max: round(numbers.length === 0 ? undefined : Math.max(...numbers)),
    rounds: values.map((value) => (value === null ? null : roundSignificant(value))),
    notReached,
  };
}

/** Per round, the row's value of `column`, or `null`. */
function roundValues(
  row: RowSpec,
  column: string,
  outcomes: readonly ChildOutcome[],
): (number | null)[] {
  const key = row.values?.[column] ?? column;
  return outcomes.map((outcome) => {
    if (!outcome.ok) return null;
    const value = outcome.measurement.values[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  });
}

export function aggregate(options: {
  readonly scenario: Scenario;
  readonly params: Params;
  readonly rounds: number;
  readonly seconds: number;
  readonly loadAtStart: number;
  /** Contender id → its outcome in each round, in round order. */
  readonly outcomes: ReadonlyMap<string, readonly ChildOutcome[]>;
  readonly messages: readonly string[];
}): ScenarioResult {
  const { scenario, params, outcomes } = options;
  const { table } = scenario;
  const specs = tableRows(scenario, [...outcomes.keys()]);
  const primary = table.columns.find((column) => column.key === table.primary);
  if (primary === undefined) throw new Error(`${scenario.id}: no column \`${table.primary}\``);

  const primaryRounds = new Map(
    specs.map((row) => [row.id, roundValues(row, primary.key, outcomes.get(row.contender) ?? [])]),
  );

  const rows: RowResult[] = specs.map((row) => {
    const rowOutcomes = outcomes.get(row.contender) ?? [];
    const cells: Record<string, CellStats> = {};
    for (const column of table.columns) {
      const key = row.values?.[column.key] ?? column.key;
      const values = roundValues(row, column.key, rowOutcomes);
      const notReached = rowOutcomes.filter(
        (outcome) => outcome.ok && outcome.measurement.values[key] === null,
      ).length;
      cells[column.key] = cellStats(values, notReached);
    }
    const text: Record<string, string> = {};
    for (const column of table.textColumns ?? []) {
      // The last round's note: notes describe behaviour, which does not vary by round.
      const notes = rowOutcomes
        .map((outcome) => (outcome.ok ? outcome.measurement.notes?.[column.key] : undefined))
        .filter((note): note is string => note !== undefined);
      text[column.key] = notes.at(-1) ?? '';
    }
    const failedRounds = rowOutcomes.flatMap((outcome, index) => (outcome.ok ? [] : [index + 1]));
    const errors = [
      ...new Set(rowOutcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.error]))),
    ];
    return {
      id: row.id,
      label: row.label,
      contender: row.contender,
      cells,
      ratios: {},
      text,
      failedRounds,
      errors,
    };
  });

  const better = primary.better === 'none' ? 'higher' : primary.better;
  /** The id of the row with the best median among `candidates` (all rows by default). */
  const bestOf = (candidates?: readonly string[]): string | undefined => {
    let winner: { id: string; value: number } | undefined;
    for (const row of rows) {
      if (candidates !== undefined && !candidates.includes(row.id)) continue;
      const value = row.cells[primary.key]?.median ?? null;
      if (value === null) continue;
      if (
        winner === undefined ||
        (better === 'higher' ? value > winner.value : value < winner.value)
      ) {
        winner = { id: row.id, value };
      }
    }
    return winner?.id;
  };

  /** The median of the per-round ratios of row `id` to row `refId`, or `null`. */
  const ratioTo = (id: string, refId: string): number | null => {
    const mine = primaryRounds.get(id) ?? [];
    const theirs = primaryRounds.get(refId);
    if (theirs === undefined) return null;
    const perRound = mine.flatMap((value, round) => {
      const reference = theirs[round] ?? null;
      if (value === null || reference === null) return [];
      const ratio = betterRatio(value, reference, better);
      return ratio === undefined ? [] : [ratio];
    });
    const value = median(perRound);
    return value === undefined ? null : roundSignificant(value);
  };

  const withRatios = rows.map((row, index): RowResult => {
    const spec = specs[index];
    const ratios: Record<string, number | null> = {};
    for (const { header, ref } of table.ratios) {
      const refId =
        spec === undefined
          ? undefined
          : ref === 'best'
            ? bestOf()
            : typeof ref === 'function'
              ? ref(spec)
              : bestOf(ref.bestOf);
      ratios[header] = refId === undefined ? null : ratioTo(row.id, refId);
    }
    return { ...row, ratios };
  });

  return {
    id: scenario.id,
    title: scenario.title,
    description: scenario.describe(params),
    rounds: options.rounds,
    params,
    seconds: roundSignificant(options.seconds, 3),
    loadAtStart: options.loadAtStart,
    columns: table.columns,
    primary: table.primary,
    ratioHeaders: table.ratios.map((ratio) => ratio.header),
    textColumns: table.textColumns ?? [],
    nullText: scenario.nullText?.(params) ?? 'not reached',
    rows: withRatios,
    pairwise: rows.map((row) => rows.map((other) => ratioTo(row.id, other.id))),
    messages: options.messages,
  };
}
