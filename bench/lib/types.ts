/**
 * The shapes shared by the runner, the child processes and the scenario files.
 *
 * A scenario names its contenders and how to lay out its table. The runner starts one fresh
 * child process per contender per round; the child runs the contender's `measure()` (or a
 * python3 script) and prints one {@link Measurement} as JSON.
 */

/** `--quick` or the full run. */
export type Mode = 'quick' | 'full';

/** A scenario's parameters: sent to every child as JSON, so plain values only. */
export type Params = Readonly<Record<string, number | string | boolean>>;

/**
 * What one contender reports for one round. `null` marks a value that was not reached
 * (a task that never settled within the scenario's limit).
 */
export interface Measurement {
  readonly values: Readonly<Record<string, number | null>>;
  /** Short texts shown in text columns (for example how a task settled). */
  readonly notes?: Readonly<Record<string, string>>;
}

/** A multitask capability that a contender needs, by the exports that provide it. */
export interface Requirement {
  readonly exports: readonly string[];
  readonly issue: number;
}

interface ContenderBase {
  /** Stable key: used on the child's command line and in the JSON results. */
  readonly id: string;
  readonly label: string;
  /** npm packages whose exact installed versions the report names. */
  readonly packages?: readonly string[];
}

/** A contender measured by a fresh Node process running `measure()`. */
export interface NodeContender<P extends Params = Params> extends ContenderBase {
  readonly kind: 'node';
  /** multitask exports this contender uses; missing ones make the row "not available yet". */
  readonly requires?: Requirement;
  // A method signature (not a property) so that a Scenario<{ n: number }> is a Scenario.
  measure(params: P): Promise<Measurement>;
}

/**
 * A contender measured by `python3 bench/python/<script> <scenario id> <contender id> <params
 * as JSON>`, which prints its {@link Measurement} the same way a Node child does.
 */
export interface PythonContender extends ContenderBase {
  readonly kind: 'python';
  readonly script: string;
}

/**
 * A multitask row whose feature has not landed. It prints "not available yet (issue N)"
 * until the exports exist, then asks for its `measure()` to be written.
 */
export interface PlannedContender extends ContenderBase {
  readonly kind: 'planned';
  readonly requires: Requirement;
}

export type Contender<P extends Params = Params> =
  NodeContender<P> | PythonContender | PlannedContender;

/** Units the tables know how to format. */
export type Unit = 'items/s' | 'tasks/s' | 's' | 'ms' | 'µs' | 'ns' | 'MB' | 'x' | 'flag';

/** One numeric column: the median across rounds, with the min–max spread. */
export interface Column {
  /** The key in each row's values (see {@link RowSpec.values}). */
  readonly key: string;
  readonly header: string;
  readonly unit: Unit;
  /** Which way is better; `none` for columns that are not compared (a yes/no flag). */
  readonly better: 'higher' | 'lower' | 'none';
}

/** A column that shows a contender's note (the last round's) as text. */
export interface TextColumn {
  readonly key: string;
  readonly header: string;
}

/** One row of a table: a contender, or one variant of a contender's measurement. */
export interface RowSpec {
  readonly id: string;
  readonly contender: string;
  readonly label: string;
  /** Column key → the key in the contender's {@link Measurement.values}; default: the same key. */
  readonly values?: Readonly<Record<string, string>>;
}

/**
 * A ratio column on the primary column: for each round, how many times better this row is
 * than its reference row (above 1 = better), then the median of those per-round ratios.
 * `best` compares with the row whose median is best; `{ bestOf }` with the best of those rows
 * (the fastest peer, say); a function names the reference row of each row, or none.
 */
export interface RatioColumn {
  readonly header: string;
  readonly ref:
    'best' | { readonly bestOf: readonly string[] } | ((row: RowSpec) => string | undefined);
}

export interface TableSpec {
  readonly columns: readonly Column[];
  /** The column that ratios compare. */
  readonly primary: string;
  /** Default: one row per contender, in contender order, with every column's own key. */
  readonly rows?: readonly RowSpec[];
  readonly ratios: readonly RatioColumn[];
  readonly textColumns?: readonly TextColumn[];
}

export interface Scenario<P extends Params = Params> {
  /** `NN-name`, as the file name; `--only` accepts it, its number or its name. */
  readonly id: string;
  readonly title: string;
  readonly rounds: Readonly<Record<Mode, number>>;
  params(mode: Mode): P;
  /** What is measured, in a sentence or two, with the parameters filled in. */
  describe(params: P): string;
  /** How long one child may run before it is killed and the round counts as failed. */
  timeoutMs(params: P): number;
  /** What a `null` value means in this scenario's table. */
  nullText?(params: P): string;
  readonly contenders: readonly Contender<P>[];
  readonly table: TableSpec;
}
