/** Small text helpers for scenario descriptions. */

const grouping = new Intl.NumberFormat('en-US');

/** An integer with thousands separators: 100000 → "100,000". */
export function grouped(value: number): string {
  return grouping.format(value);
}
