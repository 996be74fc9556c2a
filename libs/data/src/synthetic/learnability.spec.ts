import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { srcc } from '@agiqa/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSplit } from '../splits/split.js';
import { fitRidge, pixelStatisticsOfFile } from './pixel-predictor.js';
import { synthesizeDataset, type SynthImage } from './synthesize.js';

/**
 * The data issue's "done when": a model trained on a synthetic dataset of 1,000 images beats a
 * constant predictor by a clear, documented margin (test-set SRCC). The model is the pixel-statistics
 * ridge regression; a constant predictor has no rank order (SRCC undefined, 0 by convention). The
 * margin asked, 0.8, sits below the 0.926–0.934 measured over dataset seeds 1–3 (README, Synthetic
 * dataset), so only a real loss of learnability fails it.
 */
describe('the synthetic dataset (1,000 images, prompt split 80:20)', () => {
  let dir: string;
  let train: SynthImage[];
  let test: SynthImage[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agiqa-learnability-'));
    const result = await synthesizeDataset({ outDir: dir, images: 1000, seed: 1 });
    const items = result.images.map((image, position) => ({
      position,
      key: image.name,
      imagePath: `img/${image.name}`,
      prompt: image.prompt,
      promptKey: String(image.promptIndex).padStart(3, '0'),
      generator: image.generator,
      mos: { quality: image.mosQuality },
    }));
    const split = makeSplit(items, { unit: 'prompt', train: 0.8, seed: 0 });
    const byName = new Map(result.images.map((image) => [image.name, image]));
    train = split.trainKeys.map((key) => byName.get(key) as SynthImage);
    test = split.testKeys.map((key) => byName.get(key) as SynthImage);
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets a model trained on the pixels rank test quality far better than a constant predictor', async () => {
    const statistics = async (images: SynthImage[]) => Promise.all(images.map((image) => pixelStatisticsOfFile(join(dir, 'img', image.name))));
    const model = fitRidge(await statistics(train), train.map((image) => image.mosQuality));
    const predicted = (await statistics(test)).map(model);
    const learned = srcc(predicted, test.map((image) => image.mosQuality));
    expect(test.length).toBeGreaterThanOrEqual(150);
    expect(learned).toBeGreaterThan(0.8);
  }, 120_000);
});
