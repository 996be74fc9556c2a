import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Artifacts, artifactKeys, LocalCache, S3ArtifactStore } from '@agiqa/artifacts';
import { s3Available, startTestS3, type TestS3 } from '@agiqa/artifacts/testing';
import { CHECKPOINT_FILE, TORCH_CHECKPOINT_FILE } from '@agiqa/model';
import { resumeCheckpoint } from './resume-checkpoint.js';

const s3 = s3Available();
const torch = { name: 'torch', checkpointFile: TORCH_CHECKPOINT_FILE } as const;

describe.skipIf(!s3.ok)(`resuming from the attempt's stored checkpoint${s3.ok ? '' : ` (skipped: ${s3.reason})`}`, () => {
  let server: TestS3;
  let dir: string;
  let store: S3ArtifactStore;
  let artifacts: Artifacts;

  beforeAll(async () => {
    [server, dir] = await Promise.all([startTestS3(), mkdtemp(join(tmpdir(), 'agiqa-resume-'))]);
    store = new S3ArtifactStore(server.settings);
    artifacts = new Artifacts(store, new LocalCache(join(dir, 'cache'), 10_000_000));
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function resume(runId: string): Promise<{ resumed: Awaited<ReturnType<typeof resumeCheckpoint>>; warnings: string[] }> {
    const warnings: string[] = [];
    const resumed = await resumeCheckpoint(artifacts, torch, runId, 1, (message) => warnings.push(message));
    return { resumed, warnings };
  }

  it('gives a local copy of an intact checkpoint, and nothing (silently) when there is none', async () => {
    const bytes = randomBytes(20_000);
    await store.putBytes(artifactKeys.checkpoint('intact', 1, TORCH_CHECKPOINT_FILE), bytes);
    const { resumed, warnings } = await resume('intact');
    expect(resumed?.key).toBe(artifactKeys.checkpoint('intact', 1, TORCH_CHECKPOINT_FILE));
    expect(Buffer.compare(await readFile(resumed?.copy.path as string), bytes)).toBe(0);
    resumed?.copy.release();
    expect(warnings).toEqual([]);
    expect(await resume('none')).toEqual({ resumed: null, warnings: [] });
  });

  it('starts over, saying why, from a checkpoint damaged in the store instead of failing every retry on it', async () => {
    const key = artifactKeys.checkpoint('damaged', 1, TORCH_CHECKPOINT_FILE);
    const bytes = randomBytes(20_000);
    await store.putBytes(key, bytes);
    await writeFile(server.objectPath(key), bytes.subarray(0, 5_000));
    const { resumed, warnings } = await resume('damaged');
    expect(resumed).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^checkpoint not resumed: object ${key} is damaged in the store: .*; training starts over$`))]);
  });

  it('throws (to be retried) when the store is out of reach, instead of starting over', async () => {
    await store.putBytes(artifactKeys.checkpoint('outage', 1, TORCH_CHECKPOINT_FILE), randomBytes(1_000));
    const unreachable = new Artifacts(new S3ArtifactStore({ ...server.settings, maxAttempts: 1 }), new LocalCache(join(dir, 'cache-2'), 10_000_000));
    await server.down();
    try {
      await expect(resumeCheckpoint(unreachable, torch, 'outage', 1, () => undefined)).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await server.up();
      await unreachable.close();
    }
  });

  it('starts over from a checkpoint of the other engine, saying so', async () => {
    await store.putBytes(artifactKeys.checkpoint('tfjs-run', 1, CHECKPOINT_FILE), randomBytes(1_000));
    const { resumed, warnings } = await resume('tfjs-run');
    expect(resumed).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/latest\.ckpt was written by another training engine than torch; training starts over/)]);
  });
});
