import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { artifactKeys, isTransientStoreError, retryWhileUnavailable } from '@agiqa/artifacts';
import { AgiqaError, GridSpecSchema, notFound, parseOrThrow, resolveFinetuneOptions, type FusionName, type GridSpec } from '@agiqa/contracts';
import { datasetBaseDir } from '@agiqa/data';
import {
  recordedHeadOptions,
  type EngineResult,
  type EngineRunInfo,
  type EpochReport,
  type FinetuneInput,
  type TrainingEngine,
} from '@agiqa/model';
import type { FeatureRef, TrainOutcome } from '../workflows/types.js';
import { databaseRetry, type DatabaseRetry } from './database-retry.js';
import type { ActivityDeps, RunMachine } from './deps.js';
import { chooseEngine } from './engine-choice.js';
import { ReportedCheckpoint } from './reported-checkpoint.js';
import { resumeCheckpoint } from './resume-checkpoint.js';
import { engineColumns, storeResultFile } from './results.js';
import { buildFinetuneData, buildTrainingData, type TrainingItem } from './training-data.js';
import { imageFeatureSource, textFeatureSource, withFeatureTree } from './feature-sources.js';

/** Heartbeat details of a training attempt: how far it got and the key of its checkpoint in the store. */
export interface TrainingProgress {
  epoch: number;
  checkpointKey: string | null;
  /** Epoch of the reported-epoch checkpoint stored so far (best-on-val / best-on-test), if any. */
  reportedEpoch?: number;
}

type TrainingDeps = Pick<ActivityDeps, 'prisma' | 'artifacts' | 'paths' | 'models' | 'encoders' | 'engines' | 'machine' | 'timing'>;

/** How long a finished training waits for an unreachable artefact store before its attempt fails (and is retried). */
const RESULT_UPLOAD_PATIENCE_MS = 10 * 60_000;

export function createTrainingActivities(deps: TrainingDeps) {
  return {
    /**
     * Trains and evaluates the cell's head (GPU queue, one at a time per device) on the engine the
     * grid's `trainer` picks (`chooseEngine`), recording the engine, its version, the device and the
     * dtype on the run (first as planned, then as the engine reports it ran). After every epoch
     * the checkpoint is stored in the artefact store and the attempt heartbeats `{ epoch,
     * checkpointKey }`; a retry (another worker on another machine, after a crash) resumes from the
     * stored checkpoint and ends with exactly the numbers of an uninterrupted run. Every epoch upserts
     * its EpochMetric row (a replayed epoch overwrites, never duplicates). Stops between batches when
     * cancelled. The result goes to a file in the store; `recordResults` records it. Database calls
     * ride out an outage in process while the attempt keeps heartbeating: a cell waiting for the
     * database loses neither its attempt nor its epochs.
     */
    async trainRun(input: { runId: string; attempt: number; features: FeatureRef[] }): Promise<TrainOutcome> {
      const { runId, attempt } = input;
      const context = Context.current();
      const resume = progressFrom(context.info.heartbeatDetails);
      let progress: TrainingProgress = { epoch: resume?.epoch ?? 0, checkpointKey: resume?.checkpointKey ?? null };
      // From the start and between epochs (the event loop is free then): a long epoch, a wait for
      // the database or for the store never looks like a crashed worker.
      const beat = setInterval(() => context.heartbeat(progress), deps.timing.heartbeatIntervalMs);
      const db = databaseRetry(context);
      try {
        const { run, grid, items } = await loadRunInputs(deps, db, runId);
        if (!deps.engines) throw new AgiqaError('internal', `trainRun reached a worker without training engines (role cpu)`);
        const engine = chooseEngine(grid, deps.engines, `worker on ${deps.machine.hostname} (queue ${deps.machine.gpuQueue ?? 'unknown'})`);
        const split = run.splitManifest;
        const prepared =
          grid.trainingMode === 'finetune'
            ? await prepareFinetune(deps, engine, { run, grid, items, split, base: await datasetBaseDir(run.dataset.root) })
            : await prepareHead(deps, engine, { grid, storedHead: (run.sweep.grid as { head?: unknown }).head, items, split, features: input.features, runId });
        await db(() => deps.prisma.run.update({ where: { id: runId }, data: { ...engineColumns(engine.info), machine: runMachine(deps.machine, engine.info) } }));

        // Checkpoints are written locally (this worker's own folder), then stored under one key per
        // attempt of the cell and engine, which every retry of the activity shares.
        const workDir = join(deps.paths.work, 'runs', runId);
        const checkpointDir = join(workDir, `attempt-${attempt}`, 'checkpoints');
        const checkpointKey = artifactKeys.checkpoint(runId, attempt, engine.checkpointFile);
        // The stored checkpoint may be newer than the last heartbeat the server saw (heartbeats are
        // throttled): whatever the store holds under the attempt's key is where training resumes.
        const resumed = await resumeCheckpoint(deps.artifacts, engine, runId, attempt, (message) => context.log.warn(`run ${runId}: ${message}`));
        progress = { epoch: resume?.epoch ?? 0, checkpointKey: resumed ? resumed.key : null, ...(resume?.reportedEpoch ? { reportedEpoch: resume.reportedEpoch } : {}) };
        // A local checkpoint newer than the stored one (the store was unreachable at that epoch).
        let unstored = false;
        const reported = new ReportedCheckpoint(deps, {
          runId,
          attempt,
          rule: grid.reportRule,
          checkpointDir,
          storedEpoch: resume?.reportedEpoch ?? null,
          earlierEpochs: (epoch) => db(() => earlierEpochs(deps, runId, epoch)),
          log: context.log,
        });
        context.heartbeat(progress);
        const result = await prepared.train({
          fusion: run.fusion as FusionName,
          head: grid.head,
          epochs: grid.epochs,
          batchSize: grid.batchSize,
          learningRate: grid.learningRate,
          seed: run.seed,
          reportRule: grid.reportRule,
          checkpointDir,
          ...(resumed ? { resumeFrom: resumed.copy.path } : {}),
          signal: context.cancellationSignal,
          onEpoch: async (report: EpochReport, localCheckpoint: string | null) => {
            const stored = localCheckpoint ? await storeCheckpoint(deps, checkpointKey, localCheckpoint, context.log) : false;
            unstored = localCheckpoint !== null && !stored;
            await reported.afterEpoch(report, localCheckpoint);
            progress = { epoch: report.epoch, checkpointKey: stored ? checkpointKey : progress.checkpointKey, ...reportedDetail(reported) };
            await db(() => saveEpochs(deps, runId, [report], progress.checkpointKey));
            context.heartbeat(progress);
            if (context.cancellationSignal.aborted) throw new CancelledFailure('training cancelled');
          },
        }).finally(() => resumed?.copy.release());
        if (result.resumeSkipped) context.log.warn(`run ${runId}: ${result.resumeSkipped}`);
        // The work is done: an unreachable store is waited for (heartbeating) rather than failing it.
        const patience = { timeoutMs: RESULT_UPLOAD_PATIENCE_MS, signal: context.cancellationSignal, onRetry: storeWait(context) };
        if (unstored) {
          await retryWhileUnavailable(() => storeCheckpoint(deps, checkpointKey, join(checkpointDir, engine.checkpointFile), null), patience);
          progress = { ...progress, checkpointKey };
        }
        const reportedCheckpointKey = await reported.finish(result.reportedEpoch, progress.checkpointKey, patience);
        progress = { ...progress, ...reportedDetail(reported) };
        // Epochs replayed from a checkpoint newer than the last heartbeat never passed through
        // onEpoch in this attempt: store every epoch the result reports (upserts, no duplicates).
        await db(() => saveEpochs(deps, runId, result.epochs, progress.checkpointKey, reportedCheckpointKey));
        // The MOS as stored (float64), not the float32 training targets: Prediction.mos must equal DatasetItem.mos.
        const mosOf = new Map(items.map((item) => [item.key, item.mos[grid.label]]));
        const resultKey = await retryWhileUnavailable(() => storeResultFile(deps.artifacts, {
          runId,
          attempt,
          reportedEpoch: result.reportedEpoch,
          reportRule: result.reportRule,
          optimistic: result.optimistic,
          metrics: result.metrics,
          backend: result.backend,
          engine: result.run,
          parameters: result.parameters,
          epochs: result.epochs.length,
          predictions: prepared.testKeys.map((key, i) => ({ key, predicted: result.testPredictions[i], mos: mosOf.get(key) as number })),
        }), patience);
        // Stored: this worker keeps nothing of the run.
        await rm(workDir, { recursive: true, force: true });
        return {
          resultKey,
          reportedEpoch: result.reportedEpoch,
          epochs: result.epochs.length,
          backend: result.backend,
          resumedFromEpoch: result.resumedFromEpoch ?? 0,
        };
      } catch (error) {
        if (context.cancellationSignal.aborted) {
          // This worker is shutting down, nobody cancelled the cell: hand it back at once.
          if (isWorkerShutdown(context)) {
            context.heartbeat(progress);
            throw handBack(progress);
          }
          // Whatever training threw on its way out, a requested cancellation is reported as one.
          throw error instanceof CancelledFailure ? error : new CancelledFailure('training cancelled');
        }
        throw error;
      } finally {
        clearInterval(beat);
      }
    },
  };
}

/**
 * What training needs from the database: the run, its grid and the dataset's items. Database calls
 * go through `db` (retried through outages).
 */
async function loadRunInputs(deps: TrainingDeps, db: DatabaseRetry, runId: string) {
  const { prisma } = deps;
  const run = await db(() =>
    prisma.run.findUnique({
      where: { id: runId },
      select: {
        fusion: true,
        seed: true,
        textEncoder: true,
        imageEncoder: true,
        datasetId: true,
        dataset: { select: { root: true } },
        splitManifest: { select: { trainKeys: true, valKeys: true, testKeys: true } },
        sweep: { select: { grid: true } },
      },
    }),
  );
  if (!run) throw notFound(`run ${runId} not found`);
  const { fusion, seed, textEncoder, splitManifest } = run;
  if (fusion === null || seed === null || textEncoder === null) throw new AgiqaError('internal', `run ${runId} is not a fusion-head run; it has nothing to train`);
  if (!splitManifest) throw new AgiqaError('internal', `run ${runId} has no split manifest; ensureSplit must run first`);
  const grid = parseOrThrow(GridSpecSchema, run.sweep.grid, 'grid');
  const rows = await db(() => prisma.datasetItem.findMany({ where: { datasetId: run.datasetId }, select: { key: true, prompt: true, mos: true, imagePath: true } }));
  const items: TrainingItem[] = rows.map((r) => ({ key: r.key, prompt: r.prompt, mos: r.mos as Record<string, number>, imagePath: r.imagePath }));
  return { run: { ...run, fusion, seed, textEncoder, splitManifest }, grid, items };
}

/** What every training call of a run shares, whichever mode trains it. */
type CommonInput = Omit<FinetuneInput, 'options' | 'textModel' | 'maxTokens' | 'imageModel' | 'prompts' | 'train' | 'val' | 'test'>;

/** A run's data, ready for its engine: the training call and the item keys of its test predictions. */
interface PreparedRun {
  train(common: CommonInput): Promise<EngineResult>;
  testKeys: string[];
}

type SplitKeys = { trainKeys: string[]; valKeys: string[]; testKeys: string[] };

/** Frozen encoders: the head trains on the cached feature sets the run workflow extracted. */
async function prepareHead(
  deps: TrainingDeps,
  engine: TrainingEngine,
  input: { grid: GridSpec; storedHead: unknown; items: TrainingItem[]; split: SplitKeys; features: FeatureRef[]; runId: string },
): Promise<PreparedRun> {
  const imageRef = input.features.find((f) => f.kind === 'image');
  const textRef = input.features.find((f) => f.kind === 'text');
  if (!imageRef || !textRef) throw new AgiqaError('internal', `run ${input.runId}: trainRun needs one image and one text feature set`);
  const data = buildTrainingData({
    items: input.items,
    split: input.split,
    label: input.grid.label,
    image: await withFeatureTree(deps, imageRef, (dir) => imageFeatureSource(deps.encoders, dir, input.grid.head.imageFeature)),
    text: await withFeatureTree(deps, textRef, (dir) => textFeatureSource(deps.encoders, dir)),
  });
  // The options as the sweep stored them: a sweep created before an option existed keeps its equations.
  const head = recordedHeadOptions(input.storedHead, { image: data.imageDim, text: data.text.dim });
  return {
    testKeys: data.testKeys,
    train: (common) =>
      engine.trainHead({ ...common, head, imageDim: data.imageDim, text: data.text, train: data.train, ...(data.val ? { val: data.val } : {}), test: data.test }),
  };
}

/**
 * Fine-tuning: the encoders' Hugging Face folders (the grid's overrides, the tiny fixtures or
 * AGIQA_MODELS_DIR) and the split's images and prompts; no cached features.
 */
async function prepareFinetune(
  deps: TrainingDeps,
  engine: TrainingEngine,
  input: { run: { textEncoder: string; imageEncoder: string }; grid: GridSpec; items: TrainingItem[]; split: SplitKeys; base: string },
): Promise<PreparedRun> {
  const { grid } = input;
  const finetune = engine.finetune?.bind(engine);
  if (!finetune) throw new AgiqaError('invalid_input', `trainingMode "finetune" needs the torch engine; ${engine.name} trains heads only`, [{ path: 'trainer', message: 'not torch' }]);
  const resolveOptions = { overrides: grid.modelOverrides, modelsDir: deps.models.modelsDir };
  const text = deps.encoders.resolveTorchEncoder(input.run.textEncoder, { ...resolveOptions, kind: 'text' });
  const image = deps.encoders.resolveTorchEncoder(input.run.imageEncoder, { ...resolveOptions, kind: 'image' });
  const data = buildFinetuneData({ items: input.items, split: input.split, label: grid.label, base: input.base });
  return {
    testKeys: data.testKeys,
    train: (common) =>
      finetune({
        ...common,
        options: resolveFinetuneOptions(grid),
        textModel: text.folder,
        maxTokens: text.maxTokens ?? 512,
        imageModel: image.folder,
        prompts: data.prompts,
        train: data.train,
        ...(data.val ? { val: data.val } : {}),
        test: data.test,
      }),
  };
}

/** The worker's machine as a run records it: `gpu` names the device the run trained on, not every GPU of the host. */
function runMachine(machine: RunMachine, info: EngineRunInfo) {
  return { ...machine, gpu: info.device.kind === 'cuda' ? [info.device.name] : null };
}

/**
 * Progress rows, one per epoch (upserts: a resumed attempt that replays an epoch overwrites it),
 * and the run's latest epoch and checkpoint, in one transaction.
 */
async function saveEpochs(
  deps: Pick<ActivityDeps, 'prisma'>,
  runId: string,
  reports: readonly EpochReport[],
  checkpointKey: string | null,
  reportedCheckpointKey?: string | null,
) {
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
  const keys = { checkpointKey, ...(reportedCheckpointKey === undefined ? {} : { reportedCheckpointKey }) };
  await deps.prisma.$transaction([...upserts, deps.prisma.run.update({ where: { id: runId }, data: { epochsDone: last, ...keys } })]);
}

/** The scores of the run's epochs recorded before `epoch` (a resumed attempt's history), in order. */
async function earlierEpochs(deps: Pick<ActivityDeps, 'prisma'>, runId: string, epoch: number) {
  const rows = await deps.prisma.epochMetric.findMany({ where: { runId, epoch: { lt: epoch } }, orderBy: { epoch: 'asc' } });
  return rows.map((row) => ({
    epoch: row.epoch,
    val: row.valSrcc === null ? null : { srcc: row.valSrcc, plcc: row.valPlcc ?? Number.NaN },
    test: { srcc: row.testSrcc, plcc: row.testPlcc },
  }));
}

/** The heartbeat detail of the stored reported-epoch checkpoint. */
function reportedDetail(reported: ReportedCheckpoint): Pick<TrainingProgress, 'reportedEpoch'> {
  return reported.storedEpoch === null ? {} : { reportedEpoch: reported.storedEpoch };
}

/** Failure type of a training attempt handed back by a worker that shuts down. */
export const WORKER_SHUTDOWN = 'worker_shutdown';

/** The activity was cancelled because its worker shuts down (SIGTERM), not by a cancellation of the cell. */
function isWorkerShutdown(context: Context): boolean {
  const reason: unknown = context.cancellationSignal.reason;
  return !context.cancellationDetails?.cancelRequested && reason instanceof CancelledFailure && reason.message === 'WORKER_SHUTDOWN';
}

/**
 * The failure that hands a training attempt back: retryable, retried right away (not after the
 * retry policy's backoff) on another worker, which resumes from `progress`'s checkpoint.
 */
function handBack(progress: TrainingProgress): ApplicationFailure {
  return ApplicationFailure.create({
    type: WORKER_SHUTDOWN,
    message: `the worker shut down after epoch ${progress.epoch}; the cell continues from its last checkpoint on another worker`,
    nextRetryDelay: '100 milliseconds',
  });
}

/**
 * Heartbeat details of an earlier attempt. Details written before the artefact store (`{ epoch,
 * checkpointUri }`, a machine's path) carry no key: the attempt's own key is tried instead.
 */
function progressFrom(details: unknown): TrainingProgress | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const { epoch, checkpointKey, reportedEpoch } = details as Partial<TrainingProgress>;
  if (typeof epoch !== 'number') return undefined;
  return { epoch, checkpointKey: typeof checkpointKey === 'string' ? checkpointKey : null, ...(typeof reportedEpoch === 'number' ? { reportedEpoch } : {}) };
}

/**
 * Stores the local checkpoint under the attempt's key. While the store is unreachable an epoch's
 * checkpoint is skipped (training goes on; the heartbeat keeps naming the last stored one) and
 * `false` is returned; other failures fail the attempt. `log` null: the caller handles failures.
 */
async function storeCheckpoint(
  deps: Pick<ActivityDeps, 'artifacts'>,
  key: string,
  localCheckpoint: string,
  log: { warn(message: string): void } | null,
): Promise<boolean> {
  const path = localCheckpoint.startsWith('file:') ? fileURLToPath(localCheckpoint) : localCheckpoint;
  try {
    await deps.artifacts.putFile(key, path);
    return true;
  } catch (error) {
    if (log === null || !isTransientStoreError(error)) throw error;
    log.warn(`checkpoint not stored this epoch (${(error as Error).message}); training goes on`);
    return false;
  }
}

/** Heartbeats and logs while a finished attempt waits for the artefact store. */
function storeWait(context: Context) {
  return (error: unknown, attempt: number, delayMs: number) => {
    context.heartbeat();
    context.log.warn(`artefact store unreachable (try ${attempt}, next in ${delayMs} ms): ${(error as Error).message}`);
  };
}
