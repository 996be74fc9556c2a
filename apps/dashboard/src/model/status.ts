import { RUN_STATUSES, type RunStatus, type RunSummary, type SweepStatus, type SweepSummary } from '@agiqa/contracts';

/** Run status counts, every status present (0 when none). */
export type StatusCounts = Record<RunStatus, number>;

/** Order of the segments in a progress bar: finished work first, then what is still to come. */
export const STATUS_BAR_ORDER: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'running', 'pending'];

/** One segment of a stacked progress bar. */
export interface StatusSegment {
  status: RunStatus;
  count: number;
  /** Share of all cells in [0, 1]. */
  fraction: number;
}

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/** Counts runs by status. */
export function countByStatus(runs: readonly Pick<RunSummary, 'status'>[]): StatusCounts {
  const counts = emptyCounts();
  for (const run of runs) counts[run.status] += 1;
  return counts;
}

/**
 * Reads counts as the API sent them, tolerating absent statuses (0) and non-numbers (0), so that a
 * partial object never renders as NaN.
 */
export function normaliseCounts(counts: Partial<Record<string, unknown>> | null | undefined): StatusCounts {
  const out = emptyCounts();
  for (const s of RUN_STATUSES) {
    const v = counts?.[s];
    out[s] = typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
  }
  return out;
}

/**
 * Segments of a stacked bar, in {@link STATUS_BAR_ORDER}, without empty ones. The total is the
 * larger of the counted runs and `cellCount`, so fractions never exceed 1.
 */
export function statusSegments(counts: StatusCounts, cellCount = 0): StatusSegment[] {
  const counted = RUN_STATUSES.reduce((sum, s) => sum + counts[s], 0);
  const total = Math.max(counted, cellCount);
  if (total === 0) return [];
  return STATUS_BAR_ORDER.filter((s) => counts[s] > 0).map((status) => ({
    status,
    count: counts[status],
    fraction: counts[status] / total,
  }));
}

/** Cells that will not run again without a re-run: failed or cancelled. */
export function rerunnableCount(counts: StatusCounts): number {
  return counts.failed + counts.cancelled;
}

/** Whether a sweep may still change on its own: the detail view polls while this holds. */
export function isActive(status: SweepStatus | RunStatus): boolean {
  return status === 'pending' || status === 'running';
}

/** Totals over a list of sweeps, for the headline of the sweeps list. */
export function totalCounts(sweeps: readonly Pick<SweepSummary, 'counts'>[]): StatusCounts {
  const total = emptyCounts();
  for (const sweep of sweeps) {
    const c = normaliseCounts(sweep.counts);
    for (const s of RUN_STATUSES) total[s] += c[s];
  }
  return total;
}
