import { AgiqaError, GridSpecSchema, notFound, parseOrThrow } from '@agiqa/contracts';
import { clipIqaFromEmbeddings, clipIqaTextEmbeddings, evaluate } from '@agiqa/model';
import type { FeatureRef, TrainOutcome } from '../workflows/types.js';
import type { ActivityDeps } from './deps.js';
import { resolveRunEncoder } from './encoders.js';
import { imageFeatureSource, withFeatureTree } from './feature-sources.js';
import { storeResultFile } from './results.js';

/** What scored a CLIP-IQA run: the CLIP towers through onnxruntime, the softmax in JS. */
const CLIP_IQA_BACKEND = 'onnxruntime-cpu';

type ClipIqaDeps = Pick<ActivityDeps, 'prisma' | 'artifacts' | 'encoders' | 'models'>;

export function createClipIqaActivities(deps: ClipIqaDeps) {
  const { prisma } = deps;
  return {
    /**
     * Scores a `clip-iqa` cell (the paper's Eqs. 1–2, zero-shot): the test items' CLIP image
     * embeddings, read from the image feature cache the fusion heads share, against the CLIP text
     * embeddings of the grid's antonym pair, softmax at the grid's logit scale. Nothing is trained:
     * no epochs, no checkpoint. Stores the same result file as training in the artefact store,
     * which `recordResults` records; RMSE is null (scores are probabilities, not MOS).
     */
    async scoreClipIqa(input: { runId: string; attempt: number; features: FeatureRef[] }): Promise<TrainOutcome> {
      const { runId, attempt } = input;
      const run = await prisma.run.findUnique({
        where: { id: runId },
        select: {
          method: true,
          imageEncoder: true,
          datasetId: true,
          splitManifest: { select: { testKeys: true } },
          sweep: { select: { grid: true } },
        },
      });
      if (!run) throw notFound(`run ${runId} not found`);
      if (run.method !== 'clip_iqa') throw new AgiqaError('internal', `run ${runId} is not a clip-iqa run`);
      if (!run.splitManifest) throw new AgiqaError('internal', `run ${runId} has no split manifest; ensureSplit must run first`);
      const grid = parseOrThrow(GridSpecSchema, run.sweep.grid, 'grid');
      const imageRef = input.features.find((f) => f.kind === 'image');
      if (!imageRef) throw new AgiqaError('internal', `run ${runId}: scoreClipIqa needs the image feature set`);

      const testKeys = run.splitManifest.testKeys;
      const rows = await prisma.datasetItem.findMany({ where: { datasetId: run.datasetId, key: { in: testKeys } }, select: { key: true, mos: true } });
      const mosOf = new Map(rows.map((r) => [r.key, (r.mos as Record<string, number>)[grid.label]]));
      const images = await withFeatureTree(deps, imageRef, (dir) => imageFeatureSource(deps.encoders, dir, 'projected'));
      const embeds = testKeys.map((key) => {
        const vector = images.vector(key);
        const mos = mosOf.get(key);
        if (!vector) throw new AgiqaError('internal', `image features ${imageRef.key} lack test item ${key}`);
        if (typeof mos !== 'number' || !Number.isFinite(mos)) throw new AgiqaError('invalid_input', `item ${key} has no "${grid.label}" score`);
        return vector;
      });
      // The image features' own precision and resize: the text tower must be the same model the cached embeddings came from.
      const encoder = resolveRunEncoder(deps, run.imageEncoder, 'image', grid.modelOverrides?.[run.imageEncoder], grid.features);
      const text = await clipIqaTextEmbeddings(encoder, grid.clipIqa.prompts);
      const scores = clipIqaFromEmbeddings(embeds, text, grid.clipIqa.logitScale);
      const mos = testKeys.map((key) => mosOf.get(key) as number);
      const resultKey = await storeResultFile(deps.artifacts, {
        runId,
        attempt,
        reportedEpoch: null,
        reportRule: grid.reportRule,
        optimistic: false,
        metrics: { ...evaluate(scores, mos), rmse: null },
        backend: CLIP_IQA_BACKEND,
        parameters: 0,
        epochs: 0,
        predictions: testKeys.map((key, i) => ({ key, predicted: scores[i], mos: mos[i] })),
      });
      return { resultKey, reportedEpoch: null, epochs: 0, backend: CLIP_IQA_BACKEND, resumedFromEpoch: 0 };
    },
  };
}
