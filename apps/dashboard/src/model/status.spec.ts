import { describe, expect, it } from 'vitest';
import {
  countByStatus,
  isActive,
  normaliseCounts,
  rerunnableCount,
  statusSegments,
  totalCounts,
} from './status.js';

describe(countByStatus.name, () => {
  it('counts every status, including the absent ones as 0', () => {
    const counts = countByStatus([{ status: 'completed' }, { status: 'completed' }, { status: 'failed' }]);
    expect(counts).toEqual({ pending: 0, running: 0, completed: 2, failed: 1, cancelled: 0 });
  });
});

describe(normaliseCounts.name, () => {
  it('turns missing and non-numeric counts into 0', () => {
    expect(normaliseCounts({ completed: 3, failed: Number.NaN, running: 'x' })).toEqual({
      pending: 0,
      running: 0,
      completed: 3,
      failed: 0,
      cancelled: 0,
    });
    expect(normaliseCounts(undefined).pending).toBe(0);
  });
});

describe(statusSegments.name, () => {
  it('orders segments finished-first and drops empty ones', () => {
    const segments = statusSegments({ pending: 1, running: 1, completed: 2, failed: 0, cancelled: 0 });
    expect(segments.map((s) => s.status)).toEqual(['completed', 'running', 'pending']);
    expect(segments.map((s) => s.fraction)).toEqual([0.5, 0.25, 0.25]);
  });

  it('divides by the cell count when runs are not all counted yet', () => {
    const segments = statusSegments({ pending: 0, running: 0, completed: 1, failed: 0, cancelled: 0 }, 4);
    expect(segments).toEqual([{ status: 'completed', count: 1, fraction: 0.25 }]);
  });

  it('returns no segments for an empty sweep instead of dividing by zero', () => {
    expect(statusSegments(normaliseCounts({}), 0)).toEqual([]);
  });
});

describe(rerunnableCount.name, () => {
  it('adds failed and cancelled cells', () => {
    expect(rerunnableCount({ pending: 5, running: 1, completed: 2, failed: 3, cancelled: 4 })).toBe(7);
  });
});

describe(isActive.name, () => {
  it('is true only for pending and running', () => {
    expect(['pending', 'running', 'completed', 'failed', 'cancelled'].map((s) => isActive(s as 'pending'))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe(totalCounts.name, () => {
  it('sums counts across sweeps', () => {
    const total = totalCounts([
      { counts: { pending: 1, running: 0, completed: 2, failed: 0, cancelled: 0 } },
      { counts: { pending: 0, running: 1, completed: 1, failed: 1, cancelled: 0 } },
    ]);
    expect(total).toEqual({ pending: 1, running: 1, completed: 3, failed: 1, cancelled: 0 });
  });
});
