import { invalidInput } from '@agiqa/contracts';

/**
 * The q-quantile of `values` by linear interpolation between closest ranks (NumPy's default
 * `method="linear"`): position q·(n−1) in the sorted values.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw invalidInput('quantile of an empty list');
  if (!(q >= 0 && q <= 1)) throw invalidInput(`quantile q must lie in [0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);
export const p90 = (values: readonly number[]): number => quantile(values, 0.9);
