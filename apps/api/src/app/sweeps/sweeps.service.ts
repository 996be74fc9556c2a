import {
  AgiqaError,
  notFound,
  RUN_STATUSES,
  type GridSpec,
  type RerunResult,
  type RunStatus,
  type SweepDetail,
  type SweepList,
  type SweepProgress,
  type SweepStatus,
  type SweepSummary,
} from '@agiqa/contracts';
import { createSweep } from '@agiqa/db';
import { cancelSweep, rerunFailedCells, startSweep } from '@agiqa/orchestration';
import { Injectable, Logger } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';
import { toRunSummary } from '../runs/run-summary.js';
import { TemporalService } from '../temporal/temporal.service.js';
import type { CreateSweepDto, ListSweepsQueryDto } from './sweeps.dto.js';

const FINISHED: ReadonlySet<string> = new Set<RunStatus>(['completed', 'failed', 'cancelled']);

interface SweepRecord {
  id: string;
  name: string | null;
  grid: unknown;
  status: SweepStatus;
  cellCount: number;
  executions: number;
  scheduleId: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/**
 * Sweeps: a grid becomes a Sweep row with one Run per cell (libs/db `createSweep`), then a
 * SweepWorkflow (libs/orchestration `startSweep`).
 *
 * Temporal unreachable: creation checks the connection before writing anything; if starting the
 * workflow still fails after the rows were written, the rows are deleted again (compensation) and
 * the request fails with 503, so no sweep is left pending without a workflow. Retrying the request
 * is the way forward. Re-runs follow libs/orchestration: their cells stay pending and a second
 * re-run request starts them.
 */
@Injectable()
export class SweepsService {
  private readonly logger = new Logger('sweeps');

  constructor(
    private readonly database: DatabaseService,
    private readonly temporal: TemporalService,
  ) {}

  async create(grid: CreateSweepDto): Promise<SweepDetail> {
    const prisma = this.database.prisma;
    await this.temporal.client();
    const { sweep } = await createSweep(prisma, { grid });
    try {
      const started = await this.temporal.call(`starting sweep ${sweep.id}`, (client) =>
        startSweep(client, { sweepId: sweep.id, execution: 1 }),
      );
      await prisma.sweep.update({ where: { id: sweep.id }, data: { workflowId: started.workflowId } });
    } catch (error) {
      await prisma.sweep.delete({ where: { id: sweep.id } }).catch((cleanup: unknown) => {
        this.logger.error(`sweep ${sweep.id}: its workflow did not start and its rows could not be removed: ${String(cleanup)}`);
      });
      if (error instanceof AgiqaError && error.code === 'unavailable') {
        throw new AgiqaError('unavailable', `${error.message}; the sweep was not created, retry when Temporal is up`);
      }
      throw error;
    }
    return this.get(sweep.id);
  }

  /** Newest first, each with its cells counted by status. */
  async list(query: ListSweepsQueryDto): Promise<SweepList> {
    const prisma = this.database.prisma;
    const where = {
      ...(query.status ? { status: query.status } : {}),
      ...(query.scheduleId ? { scheduleId: query.scheduleId } : {}),
    };
    const [total, records] = await Promise.all([
      prisma.sweep.count({ where }),
      prisma.sweep.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip: query.offset, take: query.limit }),
    ]);
    const counts = await this.countRuns(records.map((r) => r.id));
    return {
      items: records.map((record) => toSweepSummary(record, counts.get(record.id))),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }

  /** The sweep, its runs in cell order, and epoch progress over all cells. */
  async get(id: string): Promise<SweepDetail> {
    const prisma = this.database.prisma;
    const record = await this.find(id);
    const runs = await prisma.run.findMany({
      where: { sweepId: id },
      include: { dataset: { select: { name: true } } },
      orderBy: { cellKey: 'asc' },
    });
    const grid = record.grid as GridSpec;
    const summaries = runs.map((run) => toRunSummary(run, run.dataset.name, grid.epochs));
    const counts = emptyCounts();
    for (const run of summaries) counts[run.status] += 1;
    return { ...toSweepSummary(record, counts), grid, runs: summaries, progress: progressOf(summaries) };
  }

  /** Asks the sweep's workflow to cancel; its running cells stop within their heartbeat timeout. */
  async cancel(id: string): Promise<SweepSummary> {
    const record = await this.find(id);
    if (FINISHED.has(record.status)) {
      throw new AgiqaError('conflict', `sweep ${id} is already ${record.status}; nothing to cancel`);
    }
    await this.temporal.call(`cancelling sweep ${id}`, (client) => cancelSweep(client, { id, executions: record.executions }));
    return this.summary(id);
  }

  /** Re-runs only the failed and cancelled cells (libs/orchestration `rerunFailedCells`). */
  async rerunFailed(id: string): Promise<RerunResult> {
    await this.find(id);
    const result = await this.temporal.call(`re-running sweep ${id}`, (client) => rerunFailedCells(this.database.prisma, client, id));
    return { ...result, sweep: await this.summary(id) };
  }

  private async summary(id: string): Promise<SweepSummary> {
    const record = await this.find(id);
    return toSweepSummary(record, (await this.countRuns([id])).get(id));
  }

  private async find(id: string): Promise<SweepRecord> {
    const record = await this.database.prisma.sweep.findUnique({ where: { id } });
    if (!record) throw notFound(`no sweep with id ${id}`);
    return record;
  }

  private async countRuns(sweepIds: string[]): Promise<Map<string, Record<RunStatus, number>>> {
    const result = new Map<string, Record<RunStatus, number>>();
    if (sweepIds.length === 0) return result;
    const groups = await this.database.prisma.run.groupBy({
      by: ['sweepId', 'status'],
      where: { sweepId: { in: sweepIds } },
      _count: { _all: true },
    });
    for (const group of groups) {
      const counts = result.get(group.sweepId) ?? emptyCounts();
      counts[group.status] = group._count._all;
      result.set(group.sweepId, counts);
    }
    return result;
  }
}

function emptyCounts(): Record<RunStatus, number> {
  return Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
}

function toSweepSummary(record: SweepRecord, counts: Record<RunStatus, number> = emptyCounts()): SweepSummary {
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    scheduleId: record.scheduleId,
    cellCount: record.cellCount,
    counts,
    createdAt: record.createdAt.toISOString(),
    finishedAt: record.finishedAt?.toISOString() ?? null,
  };
}

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
