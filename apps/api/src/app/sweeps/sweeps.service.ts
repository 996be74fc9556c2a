import {
  AgiqaError,
  checkSweepSize,
  conflict,
  notFound,
  RUN_STATUSES,
  type AgiqaEnv,
  type ArchiveResult,
  type DeleteResult,
  type GridSpec,
  type RerunResult,
  type RunStatus,
  type SweepDetail,
  type SweepList,
  type SweepRunsPage,
  type SweepStatus,
  type SweepSummary,
} from '@agiqa/contracts';
import { insertSweep } from '@agiqa/db';
import { cancelSweep, rerunFailedCells, startSweep } from '@agiqa/orchestration';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { API_ENV } from '../config.js';
import { DatabaseService } from '../database/database.service.js';
import { removeArtifacts } from '../runs/runs.service.js';
import { toRunSummary } from '../runs/run-summary.js';
import { progressFromCounts } from './progress.js';
import { TemporalService } from '../temporal/temporal.service.js';
import type { CreateSweepDto, ListSweepRunsQueryDto, ListSweepsQueryDto } from './sweeps.dto.js';

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
  archivedAt: Date | null;
}

/**
 * Sweeps: a grid becomes a Sweep row with one Run per cell (libs/db `insertSweep`), then a
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
    @Inject(API_ENV) private readonly env: AgiqaEnv,
  ) {}

  /**
   * Refuses a grid over `AGIQA_MAX_SWEEP_CELLS` before anything else (no expansion, no query),
   * then one whose encoders cannot load; writes the rows in batches (`insertSweep`), then starts
   * the workflow.
   */
  async create(grid: CreateSweepDto): Promise<SweepDetail> {
    const prisma = this.database.prisma;
    checkSweepSize(grid, this.env.AGIQA_MAX_SWEEP_CELLS);
    await this.preflight(grid);
    await this.temporal.client();
    const sweep = await insertSweep(prisma, { grid, maxCells: this.env.AGIQA_MAX_SWEEP_CELLS });
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

  /**
   * The sweep with its cells counted by status and its epoch progress, both aggregated in the
   * database: the size of the answer does not grow with the sweep (its cells are `runs()` pages).
   */
  async get(id: string): Promise<SweepDetail> {
    const record = await this.find(id);
    const grid = record.grid as GridSpec;
    const groups = await this.database.prisma.run.groupBy({
      by: ['status'],
      where: { sweepId: id },
      _count: { _all: true },
      _sum: { epochsDone: true },
    });
    const counts = emptyCounts();
    const epochsDone = emptyCounts();
    for (const group of groups) {
      counts[group.status] = group._count._all;
      epochsDone[group.status] = group._sum.epochsDone ?? 0;
    }
    return { ...toSweepSummary(record, counts), grid, progress: progressFromCounts(counts, epochsDone, grid.epochs) };
  }

  /** A page of the sweep's cells in `cellKey` order, optionally of one status. */
  async runs(id: string, query: ListSweepRunsQueryDto): Promise<SweepRunsPage> {
    const record = await this.find(id);
    const prisma = this.database.prisma;
    const where = { sweepId: id, ...(query.status ? { status: query.status } : {}) };
    const [total, runs] = await Promise.all([
      prisma.run.count({ where }),
      prisma.run.findMany({
        where,
        include: { dataset: { select: { name: true } } },
        orderBy: { cellKey: 'asc' },
        skip: query.offset,
        take: query.limit,
      }),
    ]);
    const epochs = (record.grid as GridSpec).epochs;
    return { items: runs.map((run) => toRunSummary(run, run.dataset.name, epochs)), total, limit: query.limit, offset: query.offset };
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

  /**
   * Every encoder of the grid must resolve where the workers look for models (AGIQA_MODELS_DIR and
   * the grid's overrides, shared with the workers): a missing model folder is a 400 naming it now,
   * rather than every cell failing the same way later. Loaded lazily: libs/model carries the ML
   * runtimes.
   */
  private async preflight(grid: CreateSweepDto): Promise<void> {
    const { checkEncoders } = await import('./preflight.js');
    checkEncoders(grid, { modelsDir: this.env.AGIQA_MODELS_DIR, allowRemote: this.env.AGIQA_ALLOW_REMOTE_MODELS });
  }

  async archive(id: string, archived: boolean): Promise<ArchiveResult> {
    await this.find(id);
    await this.database.prisma.sweep.update({ where: { id }, data: { archivedAt: archived ? new Date() : null } });
    return { id, kind: 'sweep', archived };
  }

  /**
   * Deletes a finished sweep with its runs (and their epochs, predictions, attempts, artefacts).
   * Refused while it, or any of its runs, is pending or running: cancel it first.
   */
  async remove(id: string): Promise<DeleteResult> {
    const record = await this.find(id);
    const prisma = this.database.prisma;
    const active = await prisma.run.count({ where: { sweepId: id, status: { in: ['pending', 'running'] } } });
    if (!FINISHED.has(record.status) || active > 0) {
      throw conflict(`sweep ${id} is ${record.status}${active ? ` with ${active} cell(s) pending or running` : ''}: cancel it first, then delete it`);
    }
    const runIds = (await prisma.run.findMany({ where: { sweepId: id }, select: { id: true } })).map((r) => r.id);
    const [epochMetrics, predictions] = await Promise.all([
      prisma.epochMetric.count({ where: { runId: { in: runIds } } }),
      prisma.prediction.count({ where: { runId: { in: runIds } } }),
    ]);
    await prisma.sweep.delete({ where: { id } });
    const artifacts = await removeArtifacts(this.env.AGIQA_HOME, runIds);
    return { id, kind: 'sweep', deleted: { runs: runIds.length, epochMetrics, predictions, artifacts } };
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
    archived: record.archivedAt !== null,
  };
}
