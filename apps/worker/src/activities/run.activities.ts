import { artifactKeys } from '@agiqa/artifacts';
import { conflict, GridSpecSchema, invalidInput, notFound, parseOrThrow, type RunMetrics } from '@agiqa/contracts';
import { fromDbMethod } from '@agiqa/db';
import type { AttemptPlan } from '../workflows/types.js';
import type { ActivityDeps } from './deps.js';
import { engineColumns, readResultFile } from './results.js';

/**
 * The bookkeeping around one attempt of a cell: open it, record its results, close it. Every
 * function is idempotent: a retried activity leaves the same rows as a single call.
 */
export function createRunActivities(deps: Pick<ActivityDeps, 'prisma' | 'artifacts' | 'gpuQueues' | 'timing'>) {
  const { prisma } = deps;

  /**
   * The slowest epoch (ms) of the latest runs that train what this run trains (same text and image
   * encoder, fusion and dataset; seeds and split repeats cost the same), or null.
   */
  async function slowestComparableEpochMs(runId: string): Promise<number | null> {
    const run = await prisma.run.findUnique({ where: { id: runId }, select: { textEncoder: true, imageEncoder: true, fusion: true, datasetId: true } });
    if (!run) return null;
    const comparable = await prisma.run.findMany({
      where: { ...run, epochsDone: { gt: 0 } },
      orderBy: { startedAt: 'desc' },
      take: 10,
      select: { id: true },
    });
    if (comparable.length === 0) return null;
    const { _max } = await prisma.epochMetric.aggregate({ where: { runId: { in: comparable.map((r) => r.id) } }, _max: { durationMs: true } });
    return _max.durationMs;
  }

  return {
    /**
     * Opens attempt `attempt` of a run: a RunAttempt row, `run.attempts`, status running. A new
     * attempt clears the previous attempt's epoch progress (its RunAttempt row keeps its outcome).
     * Returns what the cell runs, and where and how to train.
     */
    async beginAttempt(input: { runId: string; attempt: number; workflowId: string }): Promise<AttemptPlan> {
      const { runId, attempt, workflowId } = input;
      const { grid, method } = await prisma.$transaction(async (tx) => {
        const run = await tx.run.findUnique({
          where: { id: runId },
          select: { status: true, attempts: true, method: true, sweep: { select: { grid: true } } },
        });
        if (!run) throw notFound(`run ${runId} not found`);
        if (run.status === 'completed') throw conflict(`run ${runId} has completed already; it is not run again`);
        if (run.attempts > attempt) throw conflict(`run ${runId} is at attempt ${run.attempts}; attempt ${attempt} is stale`);
        const fresh = run.attempts < attempt;
        await tx.runAttempt.upsert({
          where: { runId_attempt: { runId, attempt } },
          create: { runId, attempt, workflowId, status: 'running' },
          update: { workflowId, status: 'running', error: null, finishedAt: null },
        });
        if (fresh) await tx.epochMetric.deleteMany({ where: { runId } });
        await tx.run.update({
          where: { id: runId },
          data: {
            status: 'running',
            attempts: attempt,
            workflowId,
            error: null,
            startedAt: new Date(),
            finishedAt: null,
            ...(fresh ? { epochsDone: 0, checkpointKey: null, reportedCheckpointKey: null } : {}),
          },
        });
        return { grid: parseOrThrow(GridSpecSchema, run.sweep.grid, 'grid'), method: fromDbMethod(run.method) };
      });
      return {
        method,
        gpuQueue: pickGpuQueue(deps.gpuQueues, runId),
        heartbeatTimeoutMs: heartbeatTimeoutFor(await slowestComparableEpochMs(runId), deps.timing),
        trainTimeoutMs: deps.timing.trainTimeoutMs,
        // Latency is the trained pipeline's (encoders + head); CLIP-IQA has no head to time.
        measureLatency: method === 'fusion-head' && grid.timing !== undefined,
      };
    },

    /**
     * Stores the attempt's predictions and final metrics and marks the run completed, all in one
     * transaction: results appear whole or not at all. A retry after a commit changes nothing.
     */
    async recordResults(input: { runId: string; attempt: number; resultKey?: string }): Promise<RunMetrics> {
      const { runId, attempt } = input;
      // Inputs recorded before the artefact store carry a file:// `resultUri`; the layout names the key.
      const resultKey = input.resultKey ?? artifactKeys.result(runId, attempt);
      const run = await prisma.run.findUnique({
        where: { id: runId },
        select: { status: true, method: true, datasetId: true, srcc: true, plcc: true, plccLogistic: true, krcc: true, rmse: true },
      });
      if (!run) throw notFound(`run ${runId} not found`);
      if (run.status === 'completed') {
        // A retry after the transaction committed: report what was stored (CLIP-IQA stores no RMSE).
        const { srcc, plcc, plccLogistic, krcc, rmse } = run;
        const rmseMissing = rmse === null && run.method === 'fusion_head';
        if (srcc === null || plcc === null || krcc === null || rmseMissing) throw conflict(`run ${runId} is completed without metrics`);
        return { srcc, plcc, plccLogistic, krcc, rmse };
      }
      const result = await readResultFile(deps.artifacts, resultKey);
      if (result.runId !== runId || result.attempt !== attempt) {
        throw invalidInput(`result file ${resultKey} belongs to run ${result.runId} attempt ${result.attempt}, not ${runId} attempt ${attempt}`);
      }
      const items = await prisma.datasetItem.findMany({
        where: { datasetId: run.datasetId, key: { in: result.predictions.map((p) => p.key) } },
        select: { id: true, key: true },
      });
      const itemIds = new Map(items.map((i) => [i.key, i.id]));
      const missing = result.predictions.find((p) => !itemIds.has(p.key));
      if (missing) throw invalidInput(`prediction for unknown item ${missing.key} in ${resultKey}`);

      const now = new Date();
      const { metrics } = result;
      await prisma.$transaction([
        prisma.prediction.createMany({
          data: result.predictions.map((p) => ({ runId, itemId: itemIds.get(p.key) as string, predicted: p.predicted, mos: p.mos })),
          skipDuplicates: true,
        }),
        prisma.run.update({
          where: { id: runId },
          data: {
            status: 'completed',
            srcc: metrics.srcc,
            plcc: metrics.plcc,
            plccLogistic: metrics.plccLogistic,
            krcc: metrics.krcc,
            rmse: metrics.rmse,
            reportedEpoch: result.reportedEpoch,
            backend: result.backend,
            ...(result.engine ? engineColumns(result.engine) : {}),
            error: null,
            finishedAt: now,
          },
        }),
        prisma.runAttempt.updateMany({ where: { runId, attempt }, data: { status: 'completed', error: null, finishedAt: now } }),
      ]);
      return metrics;
    },

    /** Closes an attempt that failed (with its message) or was cancelled. Never undoes a completion. */
    async finishAttempt(input: { runId: string; attempt: number; status: 'failed' | 'cancelled'; error?: string }): Promise<void> {
      const { runId, attempt, status } = input;
      const error = input.error ?? (status === 'cancelled' ? 'cancelled' : 'failed');
      const now = new Date();
      await prisma.$transaction([
        prisma.runAttempt.updateMany({ where: { runId, attempt }, data: { status, error, finishedAt: now } }),
        prisma.run.updateMany({
          where: { id: runId, attempts: attempt, status: { not: 'completed' } },
          data: { status, error, finishedAt: now },
        }),
      ]);
    },
  };
}

/** Heartbeat timeouts are this many times the slowest epoch measured on comparable runs. */
export const HEARTBEAT_EPOCHS = 3;

/**
 * The training heartbeat timeout of an attempt, from the slowest epoch measured on comparable runs
 * (null: none measured yet): `HEARTBEAT_EPOCHS` × that epoch, never below the configured timeout
 * (`AGIQA_HEARTBEAT_TIMEOUT_S`) nor above the ceiling (`AGIQA_HEARTBEAT_TIMEOUT_MAX_S`). Training
 * heartbeats between batches and at least every `heartbeatIntervalMs`, so a live worker is silent
 * for at most about one epoch; a killed one is noticed after this long and its cell resumes on
 * another worker right after, instead of after a fixed minute.
 */
export function heartbeatTimeoutFor(slowestEpochMs: number | null, timing: Pick<ActivityDeps['timing'], 'heartbeatTimeoutMs' | 'heartbeatTimeoutMaxMs'>): number {
  const measured = slowestEpochMs === null ? 0 : HEARTBEAT_EPOCHS * slowestEpochMs;
  return Math.min(timing.heartbeatTimeoutMaxMs, Math.max(timing.heartbeatTimeoutMs, Math.ceil(measured)));
}

/**
 * Spreads cells over the configured GPU queues by a stable hash of the run id (FNV-1a), so a
 * cell's retries go to the same pool. With one queue (the default), that queue.
 */
export function pickGpuQueue(queues: readonly string[], runId: string): string {
  if (queues.length === 0) throw new Error('no GPU task queue configured (AGIQA_GPU_QUEUES)');
  let hash = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) hash = Math.imul(hash ^ runId.charCodeAt(i), 0x01000193) >>> 0;
  return queues[hash % queues.length];
}
