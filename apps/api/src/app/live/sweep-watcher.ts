import {
  RUN_STATUSES,
  type RunStatus,
  type RunSummary,
  type SweepDetail,
  type SweepLive,
  type SweepPhase,
  type SweepProgress,
  type SweepSnapshotEvent,
  type SweepStateEvent,
} from '@agiqa/contracts';

/** The sweep without its runs (they are kept apart, by id). */
type SweepHead = Omit<SweepDetail, 'runs'>;
import { progressOf } from '../sweeps/progress.js';

const FINISHED: ReadonlySet<RunStatus> = new Set<RunStatus>(['completed', 'failed', 'cancelled']);

/**
 * The state of one sweep as its live stream knows it: the detail it started from, updated with the
 * runs that changed since. Pure bookkeeping (no I/O): `LiveService` feeds it what the database
 * says each tick and sends what `apply` returns.
 */
export class SweepState {
  private readonly runs = new Map<string, RunSummary>();
  private detail: SweepHead;

  constructor(
    detail: SweepHead,
    runs: readonly RunSummary[],
    private readonly now: () => number = Date.now,
  ) {
    const { runs: _runs, ...head } = detail as SweepHead & { runs?: unknown };
    this.detail = { ...head, progress: progressOf([...runs]) };
    for (const run of runs) this.runs.set(run.id, run);
  }

  /** The whole sweep as it stands (what a new subscriber receives first). */
  snapshot(): SweepSnapshotEvent {
    return { ...this.detail, progress: this.progress(), runs: [...this.runs.values()], live: this.live() };
  }

  /**
   * Takes the runs read now and the sweep row's status; returns the runs that really changed (a
   * row touched without a visible change is dropped) and the sweep state when it moved.
   */
  apply(runs: RunSummary[], sweep: Pick<SweepHead, 'status' | 'finishedAt'>): { runs: RunSummary[]; sweep: SweepStateEvent | null } {
    const changed = runs.filter((run) => fingerprint(this.runs.get(run.id)) !== fingerprint(run));
    for (const run of changed) this.runs.set(run.id, run);
    const before = JSON.stringify(this.state());
    this.detail = { ...this.detail, status: sweep.status, finishedAt: sweep.finishedAt, counts: countsOf(this.runs.values()), progress: progressOf([...this.runs.values()]) };
    const state = this.state();
    return { runs: changed, sweep: JSON.stringify(state) === before ? null : state };
  }

  /** Nothing more will change: the sweep and every started cell have finished. */
  isFinal(): boolean {
    return FINISHED.has(this.detail.status) && [...this.runs.values()].every((r) => FINISHED.has(r.status) || r.status === 'pending');
  }

  state(): SweepStateEvent {
    const { grid: _grid, ...summary } = this.detail;
    return { ...summary, progress: this.progress(), live: this.live() };
  }

  private progress(): SweepProgress {
    return this.detail.progress ?? progressOf([...this.runs.values()]);
  }

  private live(): SweepLive {
    return { phase: this.phase(), etaSeconds: this.eta() };
  }

  private phase(): SweepPhase {
    if (this.isFinal()) return this.detail.status as SweepPhase;
    const running = [...this.runs.values()].filter((r) => r.status === 'running');
    if (running.some((r) => r.epochsDone > 0)) return 'training';
    if (running.length > 0) return 'extracting features';
    return 'queued';
  }

  /**
   * Seconds left at the rate this sweep has trained so far: epochs done (finished cells count as
   * all theirs) over the time since its first cell started. Every API process computes the same.
   */
  private eta(): number | null {
    const { epochsDone, epochsTotal } = this.progress();
    if (this.isFinal() || epochsDone <= 0 || epochsDone >= epochsTotal) return null;
    const starts = [...this.runs.values()].flatMap((r) => (r.startedAt ? [Date.parse(r.startedAt)] : []));
    if (starts.length === 0) return null;
    const seconds = (this.now() - Math.min(...starts)) / 1000;
    return seconds > 0 ? Math.round(((epochsTotal - epochsDone) * seconds) / epochsDone) : null;
  }
}

/** What a subscriber can see of a run: a change here is worth an event. */
function fingerprint(run: RunSummary | undefined): string {
  if (!run) return '';
  return JSON.stringify([run.status, run.epochsDone, run.attempts, run.metrics, run.error, run.reportedEpoch, run.backend, run.startedAt, run.finishedAt]);
}

function countsOf(runs: Iterable<RunSummary>): Record<RunStatus, number> {
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const run of runs) counts[run.status] += 1;
  return counts;
}
