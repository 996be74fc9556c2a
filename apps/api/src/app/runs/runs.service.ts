import {
  collectPages,
  conflict,
  notFound,
  PAGE_LIMITS,
  type AgiqaEnv,
  type ArchiveResult,
  type CompareBody,
  type Comparison,
  type DeleteResult,
  type EpochPage,
  type GridSpec,
  type ListRunsQuery,
  type RunComparison,
  type RunDetail,
  type RunList,
  type RunPredictions,
  type RunRow,
  type UpdateRunBody,
} from '@agiqa/contracts';
import { formatCsvRow } from '@agiqa/data';
import { Inject, Injectable } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { API_ENV } from '../config.js';
import { DatabaseService } from '../database/database.service.js';
import { compareRuns } from './compare.js';
import { finiteOrNull, toEpochRow } from './epoch-row.js';
import { loadPredictionSets } from './prediction-sets.js';
import { listRuns } from './explorer.js';
import { toRunSummary } from './run-summary.js';
import type { ListEpochsQueryDto, ListPredictionsQueryDto } from './runs.dto.js';
import type { SingleTest } from './significance.js';

const ACTIVE = new Set(['pending', 'running']);

const RUN_INCLUDE = {
  dataset: { select: { name: true } },
  sweep: { select: { grid: true } },
} as const;

/** Runs: one grid cell's config, learning curve, attempts, predictions, and comparisons. */
@Injectable()
export class RunsService {
  constructor(
    private readonly database: DatabaseService,
    @Inject(API_ENV) private readonly env: AgiqaEnv,
  ) {}

  /** The runs explorer (see explorer.ts and run-query.ts). */
  list(query: ListRunsQuery): Promise<RunList> {
    return listRuns(this.database.prisma, query);
  }

  /** Any number of runs, or an explorer query's runs and groups (see compare.ts). */
  compareMany(body: CompareBody): Promise<Comparison> {
    return compareRuns(this.database.prisma, body);
  }

  /** Tags and note; the row as the explorer lists it. */
  async update(id: string, body: UpdateRunBody): Promise<RunRow> {
    await this.find(id);
    await this.database.prisma.run.update({
      where: { id },
      data: { ...(body.tags !== undefined ? { tags: body.tags } : {}), ...(body.note !== undefined ? { note: body.note } : {}) },
    });
    const { items } = await listRuns(this.database.prisma, { filter: [{ field: 'id', op: '=', values: [id] }], archived: 'include', groupRunIds: 0, limit: 1, offset: 0 });
    return items[0];
  }

  async archive(id: string, archived: boolean): Promise<ArchiveResult> {
    await this.find(id);
    await this.database.prisma.run.update({ where: { id }, data: { archivedAt: archived ? new Date() : null } });
    return { id, kind: 'run', archived };
  }

  /**
   * Deletes a finished run: its epochs, predictions and attempts go with it (cascade), timing rows
   * keep their figures without the link, and its artefacts folder (checkpoints) is removed. A run
   * still pending or running is refused: its workflow would write into a row that is gone.
   */
  async remove(id: string): Promise<DeleteResult> {
    const run = await this.find(id);
    if (ACTIVE.has(run.status)) throw conflict(`run ${id} is ${run.status}: cancel its sweep first, then delete it`);
    const prisma = this.database.prisma;
    const [epochMetrics, predictions] = await Promise.all([prisma.epochMetric.count({ where: { runId: id } }), prisma.prediction.count({ where: { runId: id } })]);
    await prisma.run.delete({ where: { id } });
    const artifacts = await removeArtifacts(this.env.AGIQA_HOME, [id]);
    return { id, kind: 'run', deleted: { runs: 1, epochMetrics, predictions, artifacts } };
  }

  /** The reported epoch's predictions as RFC 4180 CSV, in the dataset's order (a value that is not finite is empty). */
  async predictionsCsv(id: string): Promise<string> {
    const limit = PAGE_LIMITS.predictions.maxLimit;
    const { items } = await collectPages((offset) => this.predictions(id, { limit, offset }));
    const cell = (value: number | null) => (value === null ? '' : String(value));
    const rows = items.map((i) => formatCsvRow([i.key, i.generator, i.prompt, cell(i.predicted), cell(i.mos)]));
    return [formatCsvRow(['key', 'generator', 'prompt', 'predicted', 'mos']), ...rows].join('\r\n') + '\r\n';
  }

  private async find(id: string): Promise<{ id: string; status: string }> {
    const run = await this.database.prisma.run.findUnique({ where: { id }, select: { id: true, status: true } });
    if (!run) throw notFound(`no run with id ${id}`);
    return run;
  }

  async get(id: string): Promise<RunDetail> {
    const run = await this.database.prisma.run.findUnique({
      where: { id },
      include: {
        ...RUN_INCLUDE,
        splitManifest: true,
        attemptsLog: { orderBy: { attempt: 'asc' } },
      },
    });
    if (!run) throw notFound(`no run with id ${id}`);
    const split = run.splitManifest;
    return {
      ...toRunSummary(run, run.dataset.name, (run.sweep.grid as GridSpec).epochs),
      config: asRecord(run.config) ?? {},
      machine: asRecord(run.machine),
      workflowId: run.workflowId,
      checkpointKey: run.checkpointKey,
      reportedCheckpointKey: run.reportedCheckpointKey,
      split: split
        ? {
            hash: split.hash,
            unit: split.unit,
            trainRatio: split.trainRatio,
            valRatio: split.valRatio,
            seed: split.seed,
            repeat: split.repeat,
            train: split.trainKeys.length,
            val: split.valKeys.length,
            test: split.testKeys.length,
          }
        : null,
      attemptsLog: run.attemptsLog.map((a) => ({
        attempt: a.attempt,
        workflowId: a.workflowId,
        status: a.status,
        error: a.error,
        startedAt: a.createdAt.toISOString(),
        finishedAt: a.finishedAt?.toISOString() ?? null,
      })),
    };
  }

  /** A page of the run's learning curve in epoch order. */
  async epochs(id: string, query: ListEpochsQueryDto): Promise<EpochPage> {
    const prisma = this.database.prisma;
    await this.requireRun(id);
    const [total, rows] = await Promise.all([
      prisma.epochMetric.count({ where: { runId: id } }),
      prisma.epochMetric.findMany({ where: { runId: id }, orderBy: { epoch: 'asc' }, skip: query.offset, take: query.limit }),
    ]);
    return { items: rows.map(toEpochRow), total, limit: query.limit, offset: query.offset };
  }

  /** A page of the reported epoch's test predictions, in the dataset's item order. */
  async predictions(id: string, query: ListPredictionsQueryDto): Promise<RunPredictions> {
    const prisma = this.database.prisma;
    const run = await this.requireRun(id);
    const [total, rows] = await Promise.all([
      prisma.prediction.count({ where: { runId: id } }),
      prisma.prediction.findMany({
        where: { runId: id },
        include: { item: { select: { key: true, generator: true, prompt: true } } },
        // Positions are unique within a dataset, and a run predicts items of one dataset.
        orderBy: { item: { position: 'asc' } },
        skip: query.offset,
        take: query.limit,
      }),
    ]);
    const items = rows.map((r) => ({
      key: r.item.key,
      generator: r.item.generator,
      prompt: r.item.prompt,
      predicted: finiteOrNull(r.predicted),
      mos: finiteOrNull(r.mos),
    }));
    return { runId: id, dataset: run.dataset.name, items, total, limit: query.limit, offset: query.offset };
  }

  private async requireRun(id: string): Promise<{ id: string; dataset: { name: string } }> {
    const run = await this.database.prisma.run.findUnique({ where: { id }, select: { id: true, dataset: { select: { name: true } } } });
    if (!run) throw notFound(`no run with id ${id}`);
    return run;
  }

  /**
   * Runs side by side in the order asked, their learning curves, and a significance test of each
   * run's SRCC against the first one's (see `compareSignificance`).
   */
  async compare(ids: string[]): Promise<RunComparison> {
    const prisma = this.database.prisma;
    const runs = await prisma.run.findMany({
      where: { id: { in: ids } },
      include: { ...RUN_INCLUDE, epochMetrics: { orderBy: { epoch: 'asc' } } },
    });
    const byId = new Map(runs.map((r) => [r.id, r]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length > 0) throw notFound(`no run with id ${missing.join(', ')}`);
    const ordered = ids.flatMap((id) => byId.get(id) ?? []);

    const setOf = await loadPredictionSets(prisma, ids);
    const sets = ids.flatMap((id) => setOf.get(id) ?? []);

    // The statistics come from @agiqa/model, whose barrel also carries the ML runtimes: load it on
    // the first comparison rather than at API start.
    const { compareSignificance, withHolm } = await import('./significance.js');
    const tests: SingleTest[] = [];
    const notes: string[] = [];
    const [baseline, ...others] = sets;
    for (const other of others) {
      const outcome = compareSignificance(baseline, other);
      if (outcome.ok) tests.push(outcome.result);
      else notes.push(outcome.note);
    }
    const { results: significance, note } = withHolm(tests);
    if (note) notes.push(note);
    return {
      runs: ordered.map((run) => toRunSummary(run, run.dataset.name, (run.sweep.grid as GridSpec).epochs)),
      curves: ordered.map((run) => ({ runId: run.id, epochs: run.epochMetrics.map(toEpochRow) })),
      significance,
      notes,
    };
  }
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Removes `<AGIQA_HOME>/artifacts/runs/<id>` of each run; returns how many folders existed. */
export async function removeArtifacts(home: string, runIds: string[]): Promise<number> {
  let removed = 0;
  for (const id of runIds) {
    const dir = resolve(home, 'artifacts', 'runs', id);
    if (!existsSync(dir)) continue;
    await rm(dir, { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}
