import type { RunSummary, SweepDetail } from '@agiqa/contracts';
import type { ApiClient } from '../api-client.js';
import type { Progress } from '../progress/progress.js';
import { sweepEvents } from './sweep-events.js';

/** A sweep with its runs, as the live stream delivers it. */
export type FollowedSweep = Omit<SweepDetail, 'runs'> & { runs: RunSummary[] };

const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** Why following stopped before the sweep finished: the user pressed Ctrl-C. */
export class FollowInterrupted extends Error {
  constructor(readonly sweepId: string) {
    super(`stopped following sweep ${sweepId}`);
  }
}

export interface FollowOptions {
  progress: Progress;
  /** Aborted on Ctrl-C: following stops, the sweep does not. */
  signal?: AbortSignal;
  /** Where snapshots come from (default: the API's live stream, see `sweepEvents`). */
  snapshots?: AsyncIterable<FollowedSweep>;
}

/**
 * Follows a sweep until it finishes: epochs trained over all cells drive the progress bar, the
 * text after it says the phase and the cells by status, and each cell that fails is printed once
 * as it fails. Resolves with the final sweep; rejects with `FollowInterrupted` on Ctrl-C.
 */
export async function followSweep(api: ApiClient, id: string, options: FollowOptions): Promise<FollowedSweep> {
  const { progress, signal } = options;
  const reported = new Set<string>();
  const snapshots = options.snapshots ?? sweepEvents(api, id, signal);
  try {
    for await (const detail of snapshots) {
      for (const run of detail.runs) {
        if (run.status === 'failed' && !reported.has(run.id)) {
          reported.add(run.id);
          progress.log(`  ✗ ${run.cellKey} failed: ${firstLine(run.error)}`);
        }
      }
      const p = detail.progress;
      progress.update(p?.epochsDone ?? 0, p?.epochsTotal ?? 0, sweepLine(detail));
      if (isFinal(detail)) return detail;
    }
  } catch (error) {
    if (signal?.aborted) throw new FollowInterrupted(id);
    throw error;
  } finally {
    progress.stop();
  }
  if (signal?.aborted) throw new FollowInterrupted(id);
  throw new Error(`sweep ${id}: updates ended before the sweep finished`);
}

/** The sweep row can finish a moment before its last run rows are final: both must be. */
export function isFinal(detail: FollowedSweep): boolean {
  return FINISHED.has(detail.status) && detail.runs.every((run) => FINISHED.has(run.status) || run.status === 'pending');
}

/** `training · 3/8 cells done, 2 running, 1 failed`. */
export function sweepLine(detail: FollowedSweep): string {
  const c = detail.counts;
  const parts = [`${c.completed}/${detail.cellCount} cells done`];
  if (c.running) parts.push(`${c.running} running`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  return `${phaseOf(detail)} · ${parts.join(', ')}`;
}

/**
 * What the sweep is doing, in words: a running cell that has not finished an epoch is still
 * preparing (split, feature extraction); one with epochs is training.
 */
export function phaseOf(detail: FollowedSweep): string {
  if (isFinal(detail)) return detail.status;
  const running = detail.runs.filter((r) => r.status === 'running');
  if (running.some((r) => r.epochsDone > 0)) return 'training';
  if (running.length > 0) return 'extracting features';
  return detail.status === 'pending' || detail.runs.every((r) => r.status === 'pending') ? 'queued' : detail.status;
}

/**
 * Why cells failed, grouped by message (one bad model folder fails every cell the same way), for
 * the end of `--wait`: nothing when every cell completed.
 */
export function failureReport(detail: FollowedSweep, examplesPerReason = 3): string[] {
  const failed = detail.runs.filter((r) => r.status === 'failed');
  const cancelled = detail.runs.filter((r) => r.status === 'cancelled');
  const lines: string[] = [];
  if (failed.length > 0) {
    lines.push(`${failed.length} of ${detail.cellCount} cells failed:`);
    for (const [reason, runs] of groupBy(failed, (r) => firstLine(r.error))) {
      const keys = runs.slice(0, examplesPerReason).map((r) => r.cellKey);
      const more = runs.length > keys.length ? `, +${runs.length - keys.length} more` : '';
      lines.push(`  ${runs.length} × ${reason}`);
      lines.push(`      ${keys.join(', ')}${more}`);
    }
  }
  if (cancelled.length > 0) lines.push(`${cancelled.length} of ${detail.cellCount} cells were cancelled.`);
  if (lines.length > 0) {
    lines.push(`Details: npx agiqa sweep status ${detail.id}; worker log: npx agiqa logs worker; re-run: npx agiqa sweep rerun-failed ${detail.id}`);
  }
  return lines;
}

/** What to tell a user who pressed Ctrl-C while following: the sweep goes on. */
export function interruptMessage(id: string): string[] {
  return [
    `Stopped following. Sweep ${id} goes on running on the workers.`,
    `  follow it again:  npx agiqa sweep status ${id} --follow`,
    `  cancel it:        npx agiqa sweep cancel ${id}`,
  ];
}

function firstLine(text: string | null): string {
  return (text ?? 'no error recorded').split('\n')[0].trim();
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}
