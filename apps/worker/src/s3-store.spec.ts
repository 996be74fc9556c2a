import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Artifacts, LocalCache, S3ArtifactStore, TREE_MANIFEST } from '@agiqa/artifacts';
import { s3Available, startTestS3, type TestS3 } from '@agiqa/artifacts/testing';
import { startSweep } from '@agiqa/orchestration';
import { startHarness, tinyGrid, type Harness } from './testing/harness.js';
import type { SweepOutcome } from './workflows/types.js';

const s3 = s3Available();

describe.skipIf(!s3.ok)(`a sweep with its artefacts in S3${s3.ok ? '' : ` (skipped: ${s3.reason})`}`, () => {
  let server: TestS3;
  let h: Harness;
  let cacheDir: string;
  let store: S3ArtifactStore;

  beforeAll(async () => {
    [server, cacheDir] = await Promise.all([startTestS3(), mkdtemp(join(tmpdir(), 'agiqa-worker-s3-cache-'))]);
    store = new S3ArtifactStore({ ...server.settings, prefix: 'agiqa' });
    h = await startHarness({ artifacts: new Artifacts(store, new LocalCache(cacheDir, 512 * 1024 * 1024)) });
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    await store?.close();
    await server?.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('stores feature sets, checkpoints and results under keys in the bucket, and rows name keys only', async () => {
    const stop = await h.startWorkers();
    try {
      const { sweepId, runIds } = await h.newSweep(tinyGrid({ seeds: [1, 2] }));
      const outcome = (await h.env.client.workflow.getHandle((await startSweep(h.env.client, { sweepId })).workflowId).result()) as SweepOutcome;
      expect(outcome.status).toBe('completed');

      const features = await h.db.prisma.featureSet.findMany({ select: { key: true, artifactKey: true } });
      expect(features).toHaveLength(2);
      for (const f of features) {
        expect(f.artifactKey).toBe(`features/${f.key}`);
        expect(await store.stat(`${f.artifactKey}/${TREE_MANIFEST}`)).not.toBeNull();
      }
      const runs = await h.db.prisma.run.findMany({ where: { id: { in: runIds } }, select: { id: true, status: true, checkpointKey: true, attempts: true } });
      for (const run of runs) {
        expect(run.status).toBe('completed');
        expect(run.checkpointKey).toBe(`runs/${run.id}/attempt-1/checkpoints/latest.ckpt`);
        expect(await store.stat(`runs/${run.id}/attempt-1/result.json`)).not.toBeNull();
        expect(await store.stat(run.checkpointKey as string)).not.toBeNull();
      }
      // Nothing went to the local default store, and the working folder keeps no finished checkpoint.
      expect(existsSync(join(h.home, 'artifacts'))).toBe(false);
      expect(existsSync(join(h.home, 'work', 'runs', runIds[0]))).toBe(false);
    } finally {
      await stop();
    }
  }, 180_000);
});
