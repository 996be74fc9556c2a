import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { createTestDb } from '../testing/test-db.js';
import { registerDataset } from './datasets.js';
import { loadedDataset } from '../testing/fixtures.js';

describe(registerDataset.name, () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
  });
  afterEach(async () => {
    await db.close();
  });

  it('stores the dataset and every item, in the authors\' order, with labels and scores', async () => {
    const loaded = loadedDataset(3000);
    const dataset = await registerDataset(db.prisma, 'agiqa3k', loaded);
    expect(dataset).toMatchObject({ name: 'agiqa3k', format: 'agiqa3k', itemCount: 3000, labels: ['quality', 'align'], contentHash: 'hash-3000' });
    expect(await db.prisma.datasetItem.count({ where: { datasetId: dataset.id } })).toBe(3000);
    const [first, second] = await db.prisma.datasetItem.findMany({ where: { datasetId: dataset.id }, orderBy: { position: 'asc' }, take: 2 });
    expect(first).toMatchObject({ key: 'img_0000.png', promptKey: '000', mos: { quality: 1, align: 2 }, mosStd: { quality: 0.5 }, sourcePath: null });
    expect(second).toMatchObject({ key: 'img_0001.png', mosStd: null });
  });

  it('rejects a taken name as a conflict and leaves the first registration intact', async () => {
    await registerDataset(db.prisma, 'd', loadedDataset(4));
    await expect(registerDataset(db.prisma, 'd', loadedDataset(6))).rejects.toMatchObject({
      code: 'conflict',
      message: 'a dataset named d is already registered',
    });
    expect(await db.prisma.datasetItem.count()).toBe(4);
  });

  it('writes nothing when an item is refused half-way', async () => {
    const loaded = loadedDataset(10);
    // A NUL byte is valid in JS strings but not in Postgres text: the 8th row fails.
    (loaded.items[7] as { prompt: string }).prompt = 'bad\u0000prompt';
    await expect(registerDataset(db.prisma, 'd', loaded)).rejects.toThrow();
    expect(await db.prisma.dataset.count()).toBe(0);
    expect(await db.prisma.datasetItem.count()).toBe(0);
  });

  it('rejects duplicate item keys naming each repeated item', async () => {
    const loaded = loadedDataset(5);
    (loaded.items[3] as { key: string }).key = 'img_0001.png';
    await expect(registerDataset(db.prisma, 'd', loaded)).rejects.toMatchObject({
      code: 'invalid_input',
      details: [{ path: 'items.3.key', message: 'key "img_0001.png" repeats item 1' }],
    });
  });
});
