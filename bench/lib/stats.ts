/**
 * Order statistics over a handful of rounds or many samples. Quantiles interpolate
 * linearly between the two nearest ranks (NumPy's default), so the median of an even count
 * is the mean of the middle two.
 */

/** The q-quantile (0 ≤ q ≤ 1) of `values`, or `undefined` when there are none. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (position - lower);
}

export function median(values: readonly number[]): number | undefined {
  return quantile(values, 0.5);
}

/** Rounds to `digits` significant digits, so that reports do not churn on noise digits. */
export function roundSignificant(value: number, digits = 4): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const factor = 10 ** (digits - 1 - magnitude);
  return Math.round(value * factor) / factor;
}

/** How many times better `value` is than `reference` (above 1 = better). */
export function betterRatio(
  value: number,
  reference: number,
  better: 'higher' | 'lower',
): number | undefined {
  if (value <= 0 || reference <= 0) return undefined;
  return better === 'higher' ? value / reference : reference / value;
}
