import { RUN_STATUSES, type RunStatus, type SweepProgress } from '@agiqa/contracts';

const FINISHED: ReadonlySet<string> = new Set<RunStatus>(['completed', 'failed', 'cancelled']);

/** Epochs trained over all cells; a finished cell counts as all its epochs (it will train no more). */
export function progressOf(runs: { status: RunStatus; epochsDone: number; epochs: number }[]): SweepProgress {
  let epochsDone = 0;
  let epochsTotal = 0;
  let finishedCells = 0;
  for (const run of runs) {
    epochsTotal += run.epochs;
    const finished = FINISHED.has(run.status);
    if (finished) finishedCells += 1;
    epochsDone += finished ? run.epochs : Math.min(run.epochsDone, run.epochs);
  }
  return { epochsDone, epochsTotal, fraction: epochsTotal === 0 ? 1 : epochsDone / epochsTotal, finishedCells };
}

/**
 * The same progress from what the database aggregates (`GET /api/sweeps/:id` reads no cell): cell
 * counts and summed `epochsDone` by status, for a sweep whose cells all train `epochs` epochs. An
 * unfinished cell counts what it trained, never more than all of its epochs.
 */
export function progressFromCounts(counts: Record<RunStatus, number>, epochsDone: Record<RunStatus, number>, epochs: number): SweepProgress {
  let done = 0;
  let cells = 0;
  let finishedCells = 0;
  for (const status of RUN_STATUSES) {
    cells += counts[status];
    if (FINISHED.has(status)) {
      finishedCells += counts[status];
      done += counts[status] * epochs;
    } else {
      done += Math.min(epochsDone[status], counts[status] * epochs);
    }
  }
  const epochsTotal = cells * epochs;
  return { epochsDone: done, epochsTotal, fraction: epochsTotal === 0 ? 1 : done / epochsTotal, finishedCells };
}
