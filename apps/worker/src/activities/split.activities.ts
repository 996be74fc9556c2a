import { GridSpecSchema, invalidInput, notFound, parseOrThrow, resolveTrainRatio, type DatasetItemRecord } from '@agiqa/contracts';
import { makeSplit } from '@agiqa/data';
import { saveSplitManifest } from '@agiqa/db';
import type { ActivityDeps } from './deps.js';

/** Fewest test items a run can report SRCC/PLCC on. */
const MIN_TEST_ITEMS = 3;

export function createSplitActivities({ prisma }: Pick<ActivityDeps, 'prisma'>) {
  return {
    /**
     * Materialises the run's split (grid split spec + the cell's repeat) with libs/data, stores the
     * manifest (idempotent on its spec) and links the run to it. Same spec → same keys everywhere.
     */
    async ensureSplit(input: { runId: string }): Promise<{ splitManifestId: string; train: number; val: number; test: number }> {
      const run = await prisma.run.findUnique({
        where: { id: input.runId },
        select: {
          splitRepeat: true,
          splitManifest: { select: { id: true, trainKeys: true, valKeys: true, testKeys: true } },
          dataset: { select: { id: true, name: true, format: true } },
          sweep: { select: { grid: true } },
        },
      });
      if (!run) throw notFound(`run ${input.runId} not found`);
      if (run.splitManifest) {
        const m = run.splitManifest;
        return { splitManifestId: m.id, train: m.trainKeys.length, val: m.valKeys.length, test: m.testKeys.length };
      }
      const grid = parseOrThrow(GridSpecSchema, run.sweep.grid, 'grid');
      const rows = await prisma.datasetItem.findMany({ where: { datasetId: run.dataset.id }, orderBy: { position: 'asc' } });
      const items: DatasetItemRecord[] = rows.map((r) => ({
        position: r.position,
        key: r.key,
        imagePath: r.imagePath,
        ...(r.sourcePath ? { sourcePath: r.sourcePath } : {}),
        prompt: r.prompt,
        promptKey: r.promptKey,
        generator: r.generator,
        mos: r.mos as Record<string, number>,
      }));
      const manifest = makeSplit(items, {
        unit: grid.split.unit,
        train: resolveTrainRatio(grid.split, run.dataset.format),
        val: grid.split.val,
        seed: grid.split.seed,
        repeat: run.splitRepeat,
      });
      if (manifest.testKeys.length < MIN_TEST_ITEMS || manifest.trainKeys.length === 0) {
        throw invalidInput(
          `split of dataset ${run.dataset.name} (${grid.split.unit}, repeat ${run.splitRepeat}) leaves ${manifest.trainKeys.length} train and ${manifest.testKeys.length} test items; need ≥ 1 and ≥ ${MIN_TEST_ITEMS}`,
          [{ path: 'split', message: 'too few items on one side' }],
        );
      }
      const saved = await saveSplitManifest(prisma, run.dataset.id, manifest);
      await prisma.run.update({ where: { id: input.runId }, data: { splitManifestId: saved.id } });
      return { splitManifestId: saved.id, train: manifest.trainKeys.length, val: manifest.valKeys.length, test: manifest.testKeys.length };
    },
  };
}
