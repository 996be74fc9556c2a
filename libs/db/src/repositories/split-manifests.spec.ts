import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { createTestDb } from '../testing/test-db.js';
import { registerDataset } from './datasets.js';
import { loadedDataset, splitRecord } from '../testing/fixtures.js';
import { saveSplitManifest } from './split-manifests.js';

describe(saveSplitManifest.name, () => {
  let db: Db;
  let datasetId: string;
  let keys: string[];
  beforeEach(async () => {
    db = await createTestDb();
    const loaded = loadedDataset(20);
    keys = loaded.items.map((i) => i.key);
    datasetId = (await registerDataset(db.prisma, 'd', loaded)).id;
  });
  afterEach(async () => {
    await db.close();
  });

  it('stores the exact key lists and returns the same row when saved again, even concurrently', async () => {
    const record = splitRecord(keys);
    const saved = await saveSplitManifest(db.prisma, datasetId, record);
    expect(saved).toMatchObject({ datasetId, unit: 'prompt', trainRatio: 0.8, seed: 0, repeat: 0, hash: 'split-hash-a' });
    expect(saved.trainKeys).toEqual(keys.slice(0, 16));
    expect(saved.testKeys).toEqual(keys.slice(16));
    const again = await Promise.all([1, 2, 3].map(() => saveSplitManifest(db.prisma, datasetId, record)));
    expect(again.map((r) => r.id)).toEqual([saved.id, saved.id, saved.id]);
    expect(await db.prisma.splitManifest.count()).toBe(1);
  });

  it('keeps one row per spec: another repeat or seed is another row', async () => {
    await saveSplitManifest(db.prisma, datasetId, splitRecord(keys));
    await saveSplitManifest(db.prisma, datasetId, splitRecord(keys, { repeat: 1, hash: 'h-r1' }));
    await saveSplitManifest(db.prisma, datasetId, splitRecord(keys, { seed: 7, hash: 'h-s7' }));
    expect(await db.prisma.splitManifest.count()).toBe(3);
  });

  it('refuses a recomputed split whose hash differs from the stored one', async () => {
    await saveSplitManifest(db.prisma, datasetId, splitRecord(keys));
    await expect(saveSplitManifest(db.prisma, datasetId, splitRecord(keys.slice().reverse(), { hash: 'split-hash-b' }))).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/stored with hash split-hash-a but was recomputed as split-hash-b/),
    });
  });
});
