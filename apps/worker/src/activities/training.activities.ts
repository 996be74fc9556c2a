import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { AgiqaError, GridSpecSchema, notFound, parseOrThrow } from '@agiqa/contracts';
import { CHECKPOINT_FILE, type EpochReport } from '@agiqa/model';
import type { FeatureRef, TrainOutcome } from '../workflows/types.js';
import type { ActivityDeps } from './deps.js';
import { attemptDir, writeResultFile } from './results.js';
import { buildTrainingData, type TrainingItem } from './training-data.js';
import { imageFeatureSource, textFeatureSource } from './feature-sources.js';

/** Heartbeat details of a training attempt: how far it got and where its checkpoint is. */
export interface TrainingProgress {
  epoch: number;
  checkpointUri: string | null;
}

type TrainingDeps = Pick<ActivityDeps, 'prisma' | 'paths' | 'encoders' | 'trainer' | 'backend' | 'machine' | 'timing'>;

export function createTrainingActivities(deps: TrainingDeps) {
  const { prisma } = deps;
  return {
    /**
     * Trains and evaluates the cell's head (GPU queue, one at a time per device). Heartbeats
     * `{ epoch, checkpointUri }` after every epoch and periodically within long epochs; a retry
     * (another worker, after a crash) resumes from the checkpoint in the last heartbeat and ends with
     * exactly the numbers of an uninterrupted run. Every epoch upserts its EpochMetric row (a replayed
     * epoch overwrites, never duplicates). Stops between batches when cancelled. The
     * result goes to a file under the run's artifacts; `recordResults` stores it.
     */
    async trainRun(input: { runId: string; attempt: number; features: FeatureRef[] }): Promise<TrainOutcome> {
      const { runId, attempt } = input;
      const context = Context.current();
      const resume = progressFrom(context.info.heartbeatDetails);

      const run = await prisma.run.findUnique({
        where: { id: runId },
        select: {
          fusion: true,
          seed: true,
          datasetId: true,
          splitManifest: { select: { trainKeys: true, valKeys: true, testKeys: true } },
          sweep: { select: { grid: true } },
        },
      });
      if (!run) throw notFound(`run ${runId} not found`);
      if (!run.splitManifest) throw new AgiqaError('internal', `run ${runId} has no split manifest; ensureSplit must run first`);
      const grid = parseOrThrow(GridSpecSchema, run.sweep.grid, 'grid');
      const imageRef = input.features.find((f) => f.kind === 'image');
      const textRef = input.features.find((f) => f.kind === 'text');
      if (!imageRef || !textRef) throw new AgiqaError('internal', `run ${runId}: trainRun needs one image and one text feature set`);

      const rows = await prisma.datasetItem.findMany({ where: { datasetId: run.datasetId }, select: { key: true, prompt: true, mos: true } });
      const items: TrainingItem[] = rows.map((r) => ({ key: r.key, prompt: r.prompt, mos: r.mos as Record<string, number> }));
      const data = buildTrainingData({
        items,
        split: run.splitManifest,
        label: grid.label,
        image: await imageFeatureSource(deps.encoders, imageRef.uri, grid.head.imageFeature),
        text: await textFeatureSource(deps.encoders, textRef.uri),
      });
      await prisma.run.update({ where: { id: runId }, data: { backend: deps.backend, machine: { ...deps.machine } } });

      const dir = attemptDir(deps.paths.artifacts, runId, attempt);
      const checkpointDir = join(dir, 'checkpoints');
      // The heartbeat names the checkpoint; the attempt's own folder is the fallback for a crash
      // that came before the server saw a heartbeat with it (heartbeats are throttled). On another
      // machine without a shared AGIQA_HOME neither exists and training starts over (same numbers,
      // more time).
      const candidates = [resume?.checkpointUri, pathToFileURL(join(checkpointDir, CHECKPOINT_FILE)).href];
      const resumeFrom = candidates.find((uri): uri is string => typeof uri === 'string' && existsSync(fileURLToPath(uri)));
      let progress: TrainingProgress = { epoch: resume?.epoch ?? 0, checkpointUri: resumeFrom ?? null };
      context.heartbeat(progress);
      // Between epochs the event loop is free; this keeps the attempt alive through long epochs.
      const beat = setInterval(() => context.heartbeat(progress), deps.timing.heartbeatIntervalMs);
      try {
        const result = await deps.trainer({
          fusion: run.fusion as never,
          head: grid.head,
          epochs: grid.epochs,
          batchSize: grid.batchSize,
          learningRate: grid.learningRate,
          seed: run.seed,
          reportRule: grid.reportRule,
          imageDim: data.imageDim,
          text: data.text,
          train: data.train,
          ...(data.val ? { val: data.val } : {}),
          test: data.test,
          checkpointDir,
          ...(resumeFrom ? { resumeFrom } : {}),
          signal: context.cancellationSignal,
          onEpoch: async (report: EpochReport, checkpointUri: string | null) => {
            await saveEpochs(deps, runId, [report], checkpointUri);
            progress = { epoch: report.epoch, checkpointUri };
            context.heartbeat(progress);
            if (context.cancellationSignal.aborted) throw new CancelledFailure('training cancelled');
          },
        });
        if (result.resumeSkipped) context.log.warn(`run ${runId}: ${result.resumeSkipped}`);
        // Epochs replayed from a checkpoint newer than the last heartbeat never passed through
        // onEpoch in this attempt: store every epoch the result reports (upserts, no duplicates).
        await saveEpochs(deps, runId, result.epochs, progress.checkpointUri);
        // The MOS as stored (float64), not the float32 training targets: Prediction.mos must equal DatasetItem.mos.
        const mosOf = new Map(items.map((item) => [item.key, item.mos[grid.label]]));
        const resultUri = await writeResultFile(dir, {
          runId,
          attempt,
          reportedEpoch: result.reportedEpoch,
          reportRule: result.reportRule,
          optimistic: result.optimistic,
          metrics: result.metrics,
          backend: result.backend,
          parameters: result.parameters,
          epochs: result.epochs.length,
          predictions: data.testKeys.map((key, i) => ({ key, predicted: result.testPredictions[i], mos: mosOf.get(key) as number })),
        });
        return {
          resultUri,
          reportedEpoch: result.reportedEpoch,
          epochs: result.epochs.length,
          backend: result.backend,
          resumedFromEpoch: result.resumedFromEpoch ?? 0,
        };
      } catch (error) {
        // Whatever training threw on its way out, a requested cancellation is reported as one.
        if (context.cancellationSignal.aborted) throw error instanceof CancelledFailure ? error : new CancelledFailure('training cancelled');
        throw error;
      } finally {
        clearInterval(beat);
      }
    },
  };
}

/**
 * Progress rows, one per epoch (upserts: a resumed attempt that replays an epoch overwrites it),
 * and the run's latest epoch and checkpoint, in one transaction.
 */
async function saveEpochs(deps: Pick<ActivityDeps, 'prisma'>, runId: string, reports: readonly EpochReport[], checkpointUri: string | null) {
  if (reports.length === 0) return;
  const upserts = reports.map((report) => {
    const row = {
      trainLoss: report.trainLoss,
      valSrcc: report.val?.srcc ?? null,
      valPlcc: report.val?.plcc ?? null,
      testSrcc: report.test.srcc,
      testPlcc: report.test.plcc,
      durationMs: Math.round(report.durationMs),
    };
    return deps.prisma.epochMetric.upsert({
      where: { runId_epoch: { runId, epoch: report.epoch } },
      create: { runId, epoch: report.epoch, ...row },
      update: row,
    });
  });
  const last = Math.max(...reports.map((r) => r.epoch));
  await deps.prisma.$transaction([...upserts, deps.prisma.run.update({ where: { id: runId }, data: { epochsDone: last, checkpointUri } })]);
}

function progressFrom(details: unknown): TrainingProgress | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const { epoch, checkpointUri } = details as Partial<TrainingProgress>;
  if (typeof epoch !== 'number' || (checkpointUri !== null && typeof checkpointUri !== 'string')) return undefined;
  return { epoch, checkpointUri: checkpointUri ?? null };
}
