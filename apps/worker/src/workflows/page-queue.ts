import { proxyActivities } from '@temporalio/workflow';
import type { CpuActivities } from '../activities/index.js';
import { BOOKKEEPING } from './policies.js';
import type { PlannedCell, QueuedCells, SweepPage } from './types.js';

const { loadSweepPage } = proxyActivities<CpuActivities>(BOOKKEEPING);

/** Which cells a sweep execution loads: its sweep, a re-run's run ids, and the page size. */
export interface PageRequest {
  sweepId: string;
  runIds?: string[];
  limit: number;
}

/**
 * The pending cells of a sweep in `cellKey` order, loaded a page at a time and one page ahead: the
 * next page is asked for as soon as fewer than a page of cells are queued, so a cell never waits
 * for a database read unless the sweep outruns a whole page of lookahead.
 */
export class PageQueue {
  private loading: Promise<SweepPage> | undefined;

  private constructor(
    private readonly request: PageRequest,
    private readonly cells: PlannedCell[],
    /** `cellKey` of the last cell loaded. */
    private after: string | undefined,
    /** The last page loaded was full: more cells may follow `after`. */
    private more: boolean,
    readonly maxParallel: number,
    readonly cellCount: number | undefined,
  ) {
    this.prefetch();
  }

  /** The first page of an execution, read now (`after`: the cursor carried from a previous execution). */
  static async load(request: PageRequest, after: string | undefined): Promise<PageQueue> {
    const page = await loadSweepPage({ ...request, after });
    return new PageQueue(request, [...page.cells], page.cells.at(-1)?.cellKey ?? after, page.cells.length === request.limit, page.maxParallel, page.cellCount);
  }

  /** The cells a previous execution loaded and handed over (`after`: the last cell it loaded). */
  static carried(request: PageRequest, queued: QueuedCells, after: string | undefined): PageQueue {
    return new PageQueue(request, [...queued.cells], after, queued.more, queued.maxParallel, queued.cellCount);
  }

  /** The next cell to start (loading a page when none is queued); undefined when the sweep has no more. */
  async next(): Promise<PlannedCell | undefined> {
    while (this.cells.length === 0 && this.more) await this.receive();
    const cell = this.cells.shift();
    this.prefetch();
    return cell;
  }

  /** What the next execution continues with (waits for a page still loading, so none is lost). */
  async handOver(): Promise<{ queued: QueuedCells; loadedAfter: string | undefined }> {
    if (this.loading) await this.receive();
    return { queued: { cells: [...this.cells], more: this.more, maxParallel: this.maxParallel, cellCount: this.cellCount }, loadedAfter: this.after };
  }

  /** Asks for the page after `after` when less than a page is queued and none is loading. */
  private prefetch(): void {
    if (!this.more || this.loading || this.cells.length >= this.request.limit) return;
    const loading = loadSweepPage({ ...this.request, after: this.after });
    // A failure (retries exhausted, cancellation) surfaces where the page is awaited.
    loading.catch(() => undefined);
    this.loading = loading;
  }

  private async receive(): Promise<void> {
    this.prefetch();
    const page = await (this.loading as Promise<SweepPage>);
    this.loading = undefined;
    this.cells.push(...page.cells);
    this.after = page.cells.at(-1)?.cellKey ?? this.after;
    this.more = page.cells.length === this.request.limit;
  }
}
