import type { TableRun } from './replicates.js';

/** Mean ± sample standard deviation of SRCC and PLCC over replicates, with their provenance. */
export interface Aggregate {
  srcc: number;
  plcc: number;
  /** Sample standard deviation (n − 1); null with one replicate (undefined, not zero). */
  srccStd: number | null;
  plccStd: number | null;
  n: number;
  runIds: string[];
  optimistic: boolean;
  inProgress: boolean;
}

/**
 * Aggregates replicates that `countOnce` kept (finite metrics, one run each); null for none.
 * Run ids are listed in replicate order (oldest finished first).
 */
export function aggregate(replicates: TableRun[]): Aggregate | null {
  if (replicates.length === 0) return null;
  const srcc = replicates.map((r) => r.srcc as number);
  const plcc = replicates.map((r) => r.plcc as number);
  return {
    srcc: mean(srcc),
    plcc: mean(plcc),
    srccStd: sampleStd(srcc),
    plccStd: sampleStd(plcc),
    n: replicates.length,
    runIds: replicates.map((r) => r.runId),
    optimistic: replicates.some((r) => r.optimistic),
    inProgress: replicates.some((r) => r.inProgress),
  };
}

/** Ours − paper, when the paper has a figure for the same cell. */
export function delta(ours: { srcc: number; plcc: number }, paper: { srcc: number; plcc: number } | null | undefined): { srcc: number; plcc: number } | null {
  return paper ? { srcc: ours.srcc - paper.srcc, plcc: ours.plcc - paper.plcc } : null;
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample standard deviation (n − 1); null below two values. */
export function sampleStd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
