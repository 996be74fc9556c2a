import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { AgiqaError, GridSpecSchema, notFound, parseOrThrow } from '@agiqa/contracts';
import { datasetBaseDir } from '@agiqa/data';
import { measureLatency, restoreHead, type HeadBatch } from '@agiqa/model';
import { databaseRetry } from './database-retry.js';
import type { ActivityDeps } from './deps.js';
import { resolveRunEncoder } from './encoders.js';

type LatencyDeps = Pick<ActivityDeps, 'prisma' | 'artifacts' | 'encoders' | 'models' | 'engines' | 'machine'>;

export function createLatencyActivities(deps: LatencyDeps) {
  const { prisma } = deps;
  return {
    /**
     * Measures the inference latency of a trained run on the worker that trained it (GPU queue):
     * the run's text and image encoders and its trained head (restored from the last checkpoint)
     * on prompts and images of its test split, per stage and batch size as the grid's `timing`
     * asks. Replaces the run's TimingMeasurement rows in one transaction (a retry never
     * duplicates them). Returns the number of rows. Database calls ride out an outage in process.
     */
    async measureRunLatency(input: { runId: string }): Promise<{ rows: number }> {
      const { runId } = input;
      const context = Context.current();
      const db = databaseRetry(context, () => context.heartbeat());
      const run = await db(() => prisma.run.findUnique({
        where: { id: runId },
        select: {
          textEncoder: true,
          imageEncoder: true,
          fusion: true,
          checkpointKey: true,
          reportedCheckpointKey: true,
          datasetId: true,
          dataset: { select: { root: true } },
          splitManifest: { select: { testKeys: true } },
          sweep: { select: { grid: true } },
        },
      }));
      if (!run) throw notFound(`run ${runId} not found`);
      const grid = parseOrThrow(GridSpecSchema, run.sweep.grid, 'grid');
      if (!grid.timing) return { rows: 0 };
      if (run.textEncoder === null || run.fusion === null) throw new AgiqaError('internal', `run ${runId} has no trained head: latency is measured for fusion-head runs`);
      const { textEncoder, fusion } = run;
      if (!run.checkpointKey || !run.splitManifest) {
        throw new AgiqaError('internal', `run ${runId} has no checkpoint or split yet: latency is measured after training`);
      }
      const keys = run.splitManifest.testKeys.slice(0, grid.timing.items);
      const items = await db(() => prisma.datasetItem.findMany({ where: { datasetId: run.datasetId, key: { in: keys } }, select: { prompt: true, imagePath: true } }));
      const base = await datasetBaseDir(run.dataset.root);
      const text = resolveRunEncoder(deps, textEncoder, 'text', grid.modelOverrides?.[textEncoder], grid.features);
      const image = resolveRunEncoder(deps, run.imageEncoder, 'image', grid.modelOverrides?.[run.imageEncoder], grid.features);
      // The reported epoch's weights where they were kept (timing does not depend on which epoch).
      const checkpoint = await deps.artifacts.materializeFile(run.reportedCheckpointKey ?? run.checkpointKey);
      const head = await restoreHead(checkpoint.path).finally(() => checkpoint.release());
      try {
        const timings = await measureLatency({
          text,
          image,
          fusion,
          ...(deps.engines ? { tfjsBackend: deps.engines.tfjsBackend } : {}),
          prompts: items.map((item) => item.prompt),
          imagePaths: items.map((item) => join(base, item.imagePath)),
          batchSizes: grid.timing.batchSizes,
          warmup: grid.timing.warmup,
          repeats: grid.timing.repeats,
          head: async (batch: HeadBatch) => {
            context.heartbeat();
            const features = grid.head.imageFeature === 'projected' ? batch.image.projected : batch.image.pooled;
            if (!features) throw new AgiqaError('invalid_input', `${run.imageEncoder} has no pooled output; use head.imageFeature "projected"`);
            await head.predict({ batch: batch.image.batch, image: features, tokens: batch.text.data, tokensPerRow: batch.text.tokens, lengths: batch.text.lengths });
          },
        });
        // The head ran on tfjs: a GPU is named only where tfjs proved it computes there.
        const tfjsDevice = deps.engines?.tfjs.info.device;
        const machine = {
          ...timings[0]?.machine,
          gpu: tfjsDevice?.kind === 'cuda' ? [tfjsDevice.name] : null,
          ...(deps.machine.gpuQueue ? { gpuQueue: deps.machine.gpuQueue } : {}),
        };
        await db(() => prisma.$transaction([
          prisma.timingMeasurement.deleteMany({ where: { runId } }),
          prisma.timingMeasurement.createMany({
            data: timings.map((row) => ({
              runId,
              textEncoder,
              imageEncoder: run.imageEncoder,
              fusion,
              stage: row.stage,
              batchSize: row.batchSize,
              samples: row.samples,
              medianMs: row.medianMs,
              p90Ms: row.p90Ms,
              backend: row.backend,
              machine,
            })),
          }),
        ]));
        return { rows: timings.length };
      } finally {
        head.dispose();
      }
    },
  };
}
