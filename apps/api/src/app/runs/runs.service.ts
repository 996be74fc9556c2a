import {
  notFound,
  type EpochMetricRow,
  type GridSpec,
  type RunComparison,
  type RunDetail,
  type RunPredictions,
  type RunSignificance,
} from '@agiqa/contracts';
import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';
import { toRunSummary } from './run-summary.js';

const RUN_INCLUDE = {
  dataset: { select: { name: true } },
  sweep: { select: { grid: true } },
} as const;

/** Runs: one grid cell's config, learning curve, attempts, predictions, and comparisons. */
@Injectable()
export class RunsService {
  constructor(private readonly database: DatabaseService) {}

  async get(id: string): Promise<RunDetail> {
    const run = await this.database.prisma.run.findUnique({
      where: { id },
      include: {
        ...RUN_INCLUDE,
        splitManifest: true,
        epochMetrics: { orderBy: { epoch: 'asc' } },
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
      checkpointUri: run.checkpointUri,
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
      epochMetrics: run.epochMetrics.map(toEpochRow),
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

  /** The reported epoch's prediction for each test item, in the dataset's order. */
  async predictions(id: string): Promise<RunPredictions> {
    const prisma = this.database.prisma;
    const run = await prisma.run.findUnique({ where: { id }, select: { id: true, dataset: { select: { name: true } } } });
    if (!run) throw notFound(`no run with id ${id}`);
    const rows = await prisma.prediction.findMany({
      where: { runId: id },
      include: { item: { select: { key: true, generator: true, prompt: true, position: true } } },
    });
    rows.sort((a, b) => a.item.position - b.item.position);
    const items = rows
      .filter((r) => Number.isFinite(r.predicted) && Number.isFinite(r.mos))
      .map((r) => ({ key: r.item.key, generator: r.item.generator, prompt: r.item.prompt, predicted: r.predicted, mos: r.mos }));
    // `count` is what is listed (never a non-finite value), so it always matches the points drawn.
    return { runId: id, dataset: run.dataset.name, count: items.length, items };
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

    const predictions = await prisma.prediction.findMany({
      where: { runId: { in: ids } },
      select: { runId: true, itemId: true, predicted: true, mos: true },
    });
    const sets = ids.map((id) => ({ runId: id, items: new Map<string, [number, number]>() }));
    const setOf = new Map(sets.map((set) => [set.runId, set]));
    for (const p of predictions) {
      if (Number.isFinite(p.predicted) && Number.isFinite(p.mos)) setOf.get(p.runId)?.items.set(p.itemId, [p.predicted, p.mos]);
    }

    // The statistics come from @agiqa/model, whose barrel also carries the ML runtimes: load it on
    // the first comparison rather than at API start.
    const { compareSignificance } = await import('./significance.js');
    const significance: RunSignificance[] = [];
    const notes: string[] = [];
    const [baseline, ...others] = sets;
    for (const other of others) {
      const outcome = compareSignificance(baseline, other);
      if (outcome.ok) significance.push(outcome.result);
      else notes.push(outcome.note);
    }
    return {
      runs: ordered.map((run) => toRunSummary(run, run.dataset.name, (run.sweep.grid as GridSpec).epochs)),
      curves: ordered.map((run) => ({ runId: run.id, epochs: run.epochMetrics.map(toEpochRow) })),
      significance,
      notes,
    };
  }
}

/** A number that is not finite (a diverged epoch) becomes null: a gap in the curve, never NaN. */
function toEpochRow(m: {
  epoch: number;
  trainLoss: number;
  valSrcc: number | null;
  valPlcc: number | null;
  testSrcc: number;
  testPlcc: number;
  durationMs: number;
}): EpochMetricRow {
  const orNull = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  return {
    epoch: m.epoch,
    trainLoss: orNull(m.trainLoss),
    valSrcc: orNull(m.valSrcc),
    valPlcc: orNull(m.valPlcc),
    testSrcc: orNull(m.testSrcc),
    testPlcc: orNull(m.testPlcc),
    durationMs: m.durationMs,
  };
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
