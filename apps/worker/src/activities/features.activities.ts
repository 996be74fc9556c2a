import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, ApplicationFailureCategory, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { artifactKeys } from '@agiqa/artifacts';
import { GridSpecSchema, invalidInput, notFound, parseOrThrow, WORKFLOW_TYPES, workflowIds, AgiqaError, type FeatureOptions } from '@agiqa/contracts';
import type { FeatureRef, FeatureRequest } from '../workflows/types.js';
import { databaseRetry } from './database-retry.js';
import type { ActivityDeps } from './deps.js';
import { innermostCause } from '../workflows/errors.js';
import { resolveRunEncoder } from './encoders.js';
import { ExtractionGate } from './extraction-gate.js';
import { datasetImages } from './image-digests.js';

/** Failure type of `awaitFeatures` while the extraction it waits on is running. */
export const FEATURES_PENDING = 'features_pending';

type FeatureDeps = Pick<ActivityDeps, 'prisma' | 'temporal' | 'cpuQueue' | 'artifacts' | 'paths' | 'models' | 'encoders' | 'timing'>;

/**
 * Feature extraction, once per content key. `planFeatures` names the feature sets a run needs;
 * `awaitFeatures` starts the FeatureWorkflow for a key or attaches to the one already running (child
 * workflows cannot attach to a running execution, so this goes through the client with the
 * USE_EXISTING conflict policy); `extractFeatures` runs the encoder inside that workflow.
 */
export function createFeatureActivities(deps: FeatureDeps) {
  const { prisma, encoders } = deps;
  const gate = new ExtractionGate();

  const resolveNamed = (name: string, kind: 'image' | 'text', override: string | undefined, features: FeatureOptions | undefined) =>
    resolveRunEncoder(deps, name, kind, override, features);

  /** The feature set of `key` when its row exists and its tree is complete in the artefact store. */
  async function cachedFeatureSet(key: string): Promise<FeatureRef | null> {
    const row = await prisma.featureSet.findUnique({ where: { key } });
    if (!row || !(await deps.artifacts.treeManifest(row.artifactKey))) return null;
    return { key: row.key, kind: row.kind, artifactKey: row.artifactKey, dim: row.dim, count: row.itemCount };
  }

  return {
    /**
     * The feature sets a run needs (image and text; image only for CLIP-IQA), with their content
     * keys. None for a fine-tuned head: its encoders train end to end on the images and prompts.
     */
    async planFeatures(input: { runId: string }): Promise<FeatureRequest[]> {
      const run = await prisma.run.findUnique({
        where: { id: input.runId },
        select: { imageEncoder: true, textEncoder: true, dataset: { select: { id: true, root: true, contentHash: true } }, sweep: { select: { grid: true } } },
      });
      if (!run) throw notFound(`run ${input.runId} not found`);
      const grid = parseOrThrow(GridSpecSchema, run.sweep.grid, 'grid');
      // A CLIP-IQA run has no text encoder: its prompts go through CLIP's own text tower.
      if (grid.trainingMode === 'finetune' && run.textEncoder !== null) return [];
      const wanted = [
        { kind: 'image' as const, encoder: run.imageEncoder },
        ...(run.textEncoder === null ? [] : [{ kind: 'text' as const, encoder: run.textEncoder }]),
      ];
      const requests: FeatureRequest[] = [];
      for (const { kind, encoder } of wanted) {
        const override = grid.modelOverrides?.[encoder];
        const resolved = resolveNamed(encoder, kind, override, grid.features);
        // Text features depend on the items as listed; image features also on every image's bytes.
        const datasetHash = kind === 'image' ? (await datasetImages(prisma, run.dataset)).datasetHash : run.dataset.contentHash;
        const key = encoders.featureKey(resolved, kind, encoders.preprocessingFor(resolved, kind), datasetHash);
        requests.push({ key, kind, datasetId: run.dataset.id, encoder, ...(override ? { override } : {}), features: grid.features });
      }
      return requests;
    },

    /**
     * Returns the feature set for `request.key` once it exists. When it is not cached yet this
     * starts the one FeatureWorkflow for the key, or finds the one already running, and fails with
     * the retryable `features_pending`: the retry policy polls again with backoff, so no activity
     * slot is held while an extraction runs (holding slots while waiting could starve the
     * extraction itself). A cancelled cell simply stops polling; the shared extraction goes on.
     */
    async awaitFeatures(request: FeatureRequest): Promise<FeatureRef> {
      const cached = await cachedFeatureSet(request.key);
      if (cached) return cached;
      const workflowId = workflowIds.features(request.key);
      const start = (reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE') =>
        deps.temporal.workflow.start(WORKFLOW_TYPES.features, {
          taskQueue: deps.cpuQueue,
          workflowId,
          args: [request],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: reuse,
        });
      // BENIGN: an expected state, not an error; the worker logs it at debug level.
      const pending = () =>
        ApplicationFailure.create({
          type: FEATURES_PENDING,
          message: `features ${request.kind}/${request.encoder} are being extracted by ${workflowId}`,
          category: ApplicationFailureCategory.BENIGN,
        });
      const closed = await start('REJECT_DUPLICATE').then(
        () => false,
        (error: unknown) => {
          if (error instanceof WorkflowExecutionAlreadyStartedError) return true;
          throw error;
        },
      );
      if (!closed) throw pending(); // started now, or attached to the running extraction
      // An execution for this key has finished: use its result, or report why it failed, or (its
      // files are gone, or it failed for a reason a new run may not hit) extract again.
      try {
        const ref = (await deps.temporal.workflow.getHandle(workflowId).result()) as FeatureRef;
        // Results recorded before the artefact store carry a file:// `uri` and no key: extract again.
        if (ref.artifactKey && (await deps.artifacts.treeManifest(ref.artifactKey))) return ref;
      } catch (error) {
        const root = error instanceof WorkflowFailedError ? rootFailure(error) : error;
        if (root instanceof ApplicationFailure && root.nonRetryable) throw root;
      }
      await start('ALLOW_DUPLICATE');
      throw pending();
    },

    /**
     * Runs one encoder over a dataset into this worker's working folder, stores the feature set in
     * the artefact store as a tree (its manifest last: readers never see half a set) and records the
     * FeatureSet row. A retry after a failed upload finds the local set and does not encode again.
     * Database calls ride out an outage in process: hours of extraction are not thrown away.
     * One encoding at a time in this worker (ExtractionGate), heartbeating while it waits its turn.
     */
    async extractFeatures(request: FeatureRequest): Promise<FeatureRef> {
      const context = Context.current();
      const db = databaseRetry(context, () => context.heartbeat());
      const cached = await db(() => cachedFeatureSet(request.key));
      if (cached) return cached;
      const dataset = await db(() =>
        prisma.dataset.findUnique({
          where: { id: request.datasetId },
          select: { id: true, name: true, root: true, contentHash: true },
        }),
      );
      if (!dataset) throw notFound(`dataset ${request.datasetId} not found`);
      const encoder = resolveNamed(request.encoder, request.kind, request.override, request.features);
      const images = request.kind === 'image' ? await db(() => datasetImages(prisma, dataset)) : null;
      if (images && encoders.featureKey(encoder, 'image', encoders.preprocessingFor(encoder, 'image'), images.datasetHash) !== request.key) {
        throw invalidInput(`images of dataset ${dataset.name} changed after the run planned its features: run the cell again to extract the new content`, [
          { path: dataset.root, message: 'images changed since the feature key was computed' },
        ]);
      }
      const prompts = images ? [] : uniquePrompts(await db(() => prisma.datasetItem.findMany({ where: { datasetId: dataset.id }, orderBy: { position: 'asc' }, select: { prompt: true } })));
      let progress = { done: 0, total: images ? images.images.length : prompts.length };
      const onProgress = (done: number, total: number) => {
        progress = { done, total };
        context.heartbeat(progress);
      };
      // Also while waiting for the gate and between progress reports (loading a large encoder can
      // take longer than one batch).
      const beat = setInterval(() => context.heartbeat(progress), deps.timing.heartbeatIntervalMs);
      // `release`: the extraction loads its own session and frees it when done; with one extraction
      // at a time the worker holds one model at a time (peak memory of the largest, not the sum).
      const common = { encoder, cacheDir: join(deps.paths.work, 'features'), onProgress, release: true };
      const info = await gate
        .run(
          () =>
            images
              ? encoders.extractImageFeatures({
                  ...common,
                  datasetHash: images.datasetHash,
                  images: images.images,
                  ...(deps.models.imageBatch === undefined ? {} : { batchSize: deps.models.imageBatch }),
                })
              : encoders.extractTextFeatures({ ...common, datasetHash: dataset.contentHash, prompts }),
          context.cancellationSignal,
        )
        .finally(() => clearInterval(beat));
      if (info.key !== request.key) {
        throw new AgiqaError('internal', `feature key drift for ${request.encoder} on ${dataset.name}: planned ${request.key}, extracted ${info.key}`);
      }
      const artifactKey = artifactKeys.featureSet(info.key);
      // info.uri: the local folder libs/model wrote (or found) in this worker's working folder.
      await deps.artifacts.putTree(artifactKey, fileURLToPath(info.uri));
      const data = {
        datasetId: dataset.id,
        kind: request.kind,
        encoderName: request.encoder,
        modelId: info.modelId,
        revision: info.revision,
        dtype: info.dtype,
        artifactKey,
        dim: info.dim,
        itemCount: info.count,
        extractMs: Math.round(info.extractMs),
      };
      await db(() => prisma.featureSet.upsert({ where: { key: info.key }, create: { key: info.key, ...data }, update: data }));
      return { key: info.key, kind: request.kind, artifactKey, dim: info.dim, count: info.count };
    },
  };
}

/** Text features are keyed by the prompt text itself: identical prompts share one entry. */
export function uniquePrompts(items: readonly { prompt: string }[]): { key: string; text: string }[] {
  return [...new Set(items.map((i) => i.prompt))].map((text) => ({ key: text, text }));
}

/** Re-raises the failure that made a FeatureWorkflow fail, keeping its type and retryability. */
function rootFailure(error: WorkflowFailedError): unknown {
  const current = innermostCause(error.cause);
  if (current instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      type: current.type ?? undefined,
      message: `feature extraction failed: ${current.message}`,
      nonRetryable: current.nonRetryable ?? false,
    });
  }
  return error;
}
