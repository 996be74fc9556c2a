import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, ApplicationFailureCategory, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { GridSpecSchema, notFound, parseOrThrow, WORKFLOW_TYPES, workflowIds, AgiqaError } from '@agiqa/contracts';
import { datasetBaseDir } from '@agiqa/data';
import type { FeatureRef, FeatureRequest } from '../workflows/types.js';
import type { ActivityDeps } from './deps.js';
import { innermostCause } from '../workflows/errors.js';
import { resolveRunEncoder } from './encoders.js';

/** Failure type of `awaitFeatures` while the extraction it waits on is running. */
export const FEATURES_PENDING = 'features_pending';

type FeatureDeps = Pick<ActivityDeps, 'prisma' | 'temporal' | 'cpuQueue' | 'paths' | 'models' | 'encoders' | 'timing'>;

/**
 * Feature extraction, once per content key. `planFeatures` names the feature sets a run needs;
 * `awaitFeatures` starts the FeatureWorkflow for a key or attaches to the one already running (child
 * workflows cannot attach to a running execution, so this goes through the client with the
 * USE_EXISTING conflict policy); `extractFeatures` runs the encoder inside that workflow.
 */
export function createFeatureActivities(deps: FeatureDeps) {
  const { prisma, encoders } = deps;

  const resolveNamed = (name: string, kind: 'image' | 'text', override: string | undefined) => resolveRunEncoder(deps, name, kind, override);

  async function cachedFeatureSet(key: string): Promise<FeatureRef | null> {
    const row = await prisma.featureSet.findUnique({ where: { key } });
    if (!row || !existsSync(fileURLToPath(row.uri))) return null;
    return { key: row.key, kind: row.kind, uri: row.uri, dim: row.dim, count: row.itemCount };
  }

  return {
    /** The image and text feature sets a run needs, with their content keys. */
    async planFeatures(input: { runId: string }): Promise<FeatureRequest[]> {
      const run = await prisma.run.findUnique({
        where: { id: input.runId },
        select: { imageEncoder: true, textEncoder: true, dataset: { select: { id: true, contentHash: true } }, sweep: { select: { grid: true } } },
      });
      if (!run) throw notFound(`run ${input.runId} not found`);
      const grid = parseOrThrow(GridSpecSchema, run.sweep.grid, 'grid');
      const wanted = [
        { kind: 'image' as const, encoder: run.imageEncoder },
        { kind: 'text' as const, encoder: run.textEncoder },
      ];
      const requests: FeatureRequest[] = [];
      for (const { kind, encoder } of wanted) {
        const override = grid.modelOverrides?.[encoder];
        const resolved = resolveNamed(encoder, kind, override);
        const key = encoders.featureKey(resolved, kind, encoders.preprocessingFor(resolved, kind), run.dataset.contentHash);
        requests.push({ key, kind, datasetId: run.dataset.id, encoder, ...(override ? { override } : {}) });
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
        if (existsSync(fileURLToPath(ref.uri))) return ref;
      } catch (error) {
        const root = error instanceof WorkflowFailedError ? rootFailure(error) : error;
        if (root instanceof ApplicationFailure && root.nonRetryable) throw root;
      }
      await start('ALLOW_DUPLICATE');
      throw pending();
    },

    /** Runs one encoder over a dataset into the feature cache and records the FeatureSet row. */
    async extractFeatures(request: FeatureRequest): Promise<FeatureRef> {
      const cached = await cachedFeatureSet(request.key);
      if (cached) return cached;
      const dataset = await prisma.dataset.findUnique({
        where: { id: request.datasetId },
        select: { id: true, name: true, root: true, contentHash: true },
      });
      if (!dataset) throw notFound(`dataset ${request.datasetId} not found`);
      const items = await prisma.datasetItem.findMany({
        where: { datasetId: dataset.id },
        orderBy: { position: 'asc' },
        select: { key: true, imagePath: true, prompt: true },
      });
      const encoder = resolveNamed(request.encoder, request.kind, request.override);
      const base = await datasetBaseDir(dataset.root);
      const context = Context.current();
      let progress = { done: 0, total: request.kind === 'image' ? items.length : uniquePrompts(items).length };
      const onProgress = (done: number, total: number) => {
        progress = { done, total };
        context.heartbeat(progress);
      };
      // Also between progress reports: loading a large encoder can take longer than one batch.
      const beat = setInterval(() => context.heartbeat(progress), deps.timing.heartbeatIntervalMs);
      const common = { encoder, cacheDir: deps.paths.features, datasetHash: dataset.contentHash, onProgress };
      const info = await (request.kind === 'image'
        ? encoders.extractImageFeatures({ ...common, images: items.map((i) => ({ key: i.key, path: resolve(base, i.imagePath) })) })
        : encoders.extractTextFeatures({ ...common, prompts: uniquePrompts(items) })
      ).finally(() => clearInterval(beat));
      if (info.key !== request.key) {
        throw new AgiqaError('internal', `feature key drift for ${request.encoder} on ${dataset.name}: planned ${request.key}, extracted ${info.key}`);
      }
      const data = {
        datasetId: dataset.id,
        kind: request.kind,
        encoderName: request.encoder,
        modelId: info.modelId,
        revision: info.revision,
        dtype: info.dtype,
        uri: info.uri,
        dim: info.dim,
        itemCount: info.count,
        extractMs: Math.round(info.extractMs),
      };
      await prisma.featureSet.upsert({ where: { key: info.key }, create: { key: info.key, ...data }, update: data });
      return { key: info.key, kind: request.kind, uri: info.uri, dim: info.dim, count: info.count };
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
