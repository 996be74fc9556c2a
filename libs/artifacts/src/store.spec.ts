import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgiqaError } from '@agiqa/contracts';
import { Artifacts, TREE_MANIFEST } from './artifacts.js';
import { DamagedObjectError } from './errors.js';
import { FileArtifactStore } from './file-store.js';
import { LocalCache, type LocalCopy } from './local-cache.js';
import { S3ArtifactStore } from './s3-store.js';
import type { ArtifactStore } from './store.js';
import { s3Available, startTestS3, type TestS3 } from './testing/index.js';

const s3 = s3Available();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof AgiqaError ? error.code : `not an AgiqaError: ${String(error)}`;
  }
  return 'resolved';
}

/** The behaviour every backend shares, run against a folder and against a real S3 server. */
function storeContract(name: string, open: () => Promise<{ store: ArtifactStore; cache?: LocalCache; close(): Promise<void> }>) {
  describe(name, () => {
    let store: ArtifactStore;
    let artifacts: Artifacts;
    let scratch: string;
    let close: () => Promise<void>;

    beforeAll(async () => {
      const opened = await open();
      store = opened.store;
      close = opened.close;
      artifacts = new Artifacts(store, opened.cache);
      scratch = await mkdtemp(join(tmpdir(), 'agiqa-artifacts-spec-'));
    }, 60_000);

    afterAll(async () => {
      await close?.();
      await rm(scratch, { recursive: true, force: true });
    });

    it('stores bytes and files under keys and reads them back whole', async () => {
      await store.putBytes('runs/r1/attempt-1/result.json', '{"a":1}');
      const file = join(scratch, 'blob.bin');
      const bytes = randomBytes(200_000);
      await writeFile(file, bytes);
      const stored = await store.putFile('runs/r1/attempt-1/checkpoints/latest.ckpt', file);
      expect(stored.size).toBe(bytes.length);
      expect((await store.getBytes('runs/r1/attempt-1/result.json')).toString()).toBe('{"a":1}');
      expect(Buffer.compare(await store.getBytes('runs/r1/attempt-1/checkpoints/latest.ckpt'), bytes)).toBe(0);
      const listed = await store.list('runs/r1');
      expect(listed.map((o) => o.key)).toEqual(['runs/r1/attempt-1/checkpoints/latest.ckpt', 'runs/r1/attempt-1/result.json']);
      expect(await store.stat('runs/r1/attempt-1/none')).toBeNull();
    });

    it('overwrites a key with the new content and never shows a temporary name', async () => {
      await store.putBytes('runs/r2/x.json', 'first');
      await store.putBytes('runs/r2/x.json', 'second');
      expect((await store.getBytes('runs/r2/x.json')).toString()).toBe('second');
      expect((await store.list('runs/r2')).map((o) => o.key)).toEqual(['runs/r2/x.json']);
    });

    it('reports a missing key as not_found and a malformed key as invalid_input', async () => {
      expect(await codeOf(store.getBytes('runs/none/result.json'))).toBe('not_found');
      expect(await codeOf(store.getBytes('../etc/passwd'))).toBe('invalid_input');
      expect(await codeOf(artifacts.materializeFile('runs/none/result.json'))).toBe('not_found');
    });

    it('deletes a prefix', async () => {
      await store.putBytes('runs/r3/a', 'a');
      await store.putBytes('runs/r3/b/c', 'c');
      expect(await store.deletePrefix('runs/r3')).toBe(2);
      expect(await store.list('runs/r3')).toEqual([]);
    });

    it('stores a tree whole: a reader sees it only once its manifest is written', async () => {
      const dir = join(scratch, 'tree');
      await mkdir(join(dir, 'sub'), { recursive: true });
      await writeFile(join(dir, 'features.f32'), randomBytes(4096));
      await writeFile(join(dir, 'meta.json'), '{"k":1}');
      await writeFile(join(dir, 'sub', 'index.json'), '[]');
      // An interrupted upload: some files, no manifest.
      await store.putFile('features/k1/features.f32', join(dir, 'features.f32'));
      expect(await artifacts.treeManifest('features/k1')).toBeNull();
      expect(await codeOf(artifacts.materializeTree('features/k1'))).toBe('not_found');

      const manifest = await artifacts.putTree('features/k1', dir);
      expect(manifest.files.map((f) => f.name)).toEqual(['features.f32', 'meta.json', 'sub/index.json']);
      const copy = await artifacts.materializeTree('features/k1');
      try {
        expect(await readFile(join(copy.path, 'meta.json'), 'utf8')).toBe('{"k":1}');
        expect(await readFile(join(copy.path, 'sub', 'index.json'), 'utf8')).toBe('[]');
      } finally {
        copy.release();
      }
      // Storing the same tree again changes nothing.
      expect(await artifacts.putTree('features/k1', dir)).toEqual(manifest);
      expect((await store.list('features/k1')).map((o) => o.key)).toContain(`features/k1/${TREE_MANIFEST}`);
    });
  });
}

storeContract('FileArtifactStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'agiqa-file-store-'));
  return { store: new FileArtifactStore(root), close: () => rm(root, { recursive: true, force: true }) };
});

describe.skipIf(!s3.ok)(`S3ArtifactStore against versitygw${s3.ok ? '' : ` (skipped: ${s3.reason})`}`, () => {
  let server: TestS3;
  let cacheDir: string;
  beforeAll(async () => {
    server = await startTestS3();
    cacheDir = await mkdtemp(join(tmpdir(), 'agiqa-s3-cache-'));
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  storeContract('the shared contract, under a prefix', async () => {
    const store = new S3ArtifactStore({ ...server.settings, prefix: 'team/a' });
    return { store, cache: new LocalCache(cacheDir, 64 * 1024 * 1024), close: () => store.close() };
  });

  it('uploads large files in parts and aborts the upload when it is interrupted, leaving no key', async () => {
    const store = new S3ArtifactStore({ ...server.settings, partSize: 5 * 1024 * 1024, queueSize: 1 });
    const dir = await mkdtemp(join(tmpdir(), 'agiqa-s3-big-'));
    try {
      const big = join(dir, 'big.ckpt');
      const bytes = randomBytes(11 * 1024 * 1024);
      await writeFile(big, bytes);
      await store.putFile('runs/big/latest.ckpt', big);
      expect(Buffer.compare(await store.getBytes('runs/big/latest.ckpt'), bytes)).toBe(0);

      // A body that fails after two parts: the multipart upload is aborted, no key appears.
      const { Readable } = await import('node:stream');
      let sent = 0;
      const failing = new Readable({
        read() {
          if (sent >= 12 * 1024 * 1024) return void this.destroy(new Error('disk read failed'));
          sent += 1024 * 1024;
          this.push(randomBytes(1024 * 1024));
        },
      });
      const upload = (store as unknown as { upload(k: string, b: unknown, s: string): Promise<void> }).upload('runs/big/torn.ckpt', failing, 'x');
      await expect(upload).rejects.toThrow(/disk read failed/);
      expect(await store.stat('runs/big/torn.ckpt')).toBeNull();
      expect(await store.abortIncompleteUploads(0)).toBe(0);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('keeps a bounded local cache keyed by content: equal content is fetched once, old copies are evicted', async () => {
    const store = new S3ArtifactStore(server.settings);
    const dir = await mkdtemp(join(tmpdir(), 'agiqa-s3-lru-'));
    const cache = new LocalCache(join(dir, 'cache'), 250_000);
    const artifacts = new Artifacts(store, cache);
    try {
      const one = randomBytes(100_000);
      await store.putBytes('a/one', one);
      await store.putBytes('b/same-as-one', one);
      const first = await artifacts.materializeFile('a/one');
      const second = await artifacts.materializeFile('b/same-as-one');
      expect(second.path).toBe(first.path);
      first.release();
      second.release();
      for (const name of ['two', 'three']) await store.putBytes(`a/${name}`, randomBytes(100_000));
      const held = await artifacts.materializeFile('a/two');
      (await artifacts.materializeFile('a/three')).release();
      // 300 kB > 250 kB: the least recently used unheld copy (one) went, the held one stayed.
      expect(await cache.usedBytes()).toBeLessThanOrEqual(250_000);
      expect((await readdir(join(dir, 'cache', 'files'))).length).toBe(2);
      expect(Buffer.compare(await readFile(held.path), await store.getBytes('a/two'))).toBe(0);
      held.release();
      // A changed object is a new content key: never served stale.
      const replaced = randomBytes(1000);
      await store.putBytes('a/two', replaced);
      const fresh = await artifacts.materializeFile('a/two');
      expect(Buffer.compare(await readFile(fresh.path), replaced)).toBe(0);
      fresh.release();
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tells an object damaged in the store from a damaged transfer: the same wrong bytes twice come back as the error', async () => {
    const store = new S3ArtifactStore(server.settings);
    const dir = await mkdtemp(join(tmpdir(), 'agiqa-s3-damaged-'));
    const artifacts = new Artifacts(store, new LocalCache(join(dir, 'cache'), 1_000_000));
    try {
      const bytes = randomBytes(50_000);
      await store.putBytes('runs/r/attempt-1/checkpoints/latest.ckpt', bytes);
      const intact = await artifacts.materializeUnlessDamaged('runs/r/attempt-1/checkpoints/latest.ckpt');
      expect(intact).not.toBeInstanceOf(DamagedObjectError);
      (intact as LocalCopy).release();

      // Damage at rest: the server's file changes under the sha256 recorded at upload.
      // (Other bytes than above: the cache holds that content already and would not read the store.)
      const other = randomBytes(50_000);
      await store.putBytes('runs/r/attempt-1/checkpoints/damaged.ckpt', other);
      await writeFile(server.objectPath('runs/r/attempt-1/checkpoints/damaged.ckpt'), other.subarray(0, 30_000));
      // One read cannot tell: retried as a transfer failure.
      expect(await codeOf(store.getBytes('runs/r/attempt-1/checkpoints/damaged.ckpt'))).toBe('unavailable');
      // Two reads with the same wrong bytes: damage at rest, which no retry fixes.
      const thrown = await artifacts.materializeFile('runs/r/attempt-1/checkpoints/damaged.ckpt').catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(DamagedObjectError);
      expect((thrown as DamagedObjectError).code).toBe('internal');
      expect((thrown as DamagedObjectError).message).toMatch(/damaged\.ckpt is damaged in the store: two reads gave [a-z0-9]+ \S+, stored as \S+$/);
      const damaged = await artifacts.materializeUnlessDamaged('runs/r/attempt-1/checkpoints/damaged.ckpt');
      expect(damaged).toBeInstanceOf(DamagedObjectError);
      expect((damaged as DamagedObjectError).atRest).toBe(true);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('classifies an unreachable server as unavailable (retried) and wrong credentials as forbidden', async () => {
    const wrong = new S3ArtifactStore({ ...server.settings, credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong-secret' } });
    expect(await codeOf(wrong.getBytes('a/one'))).toBe('forbidden');
    await wrong.close();
    const missingBucket = new S3ArtifactStore({ ...server.settings, bucket: 'no-such-bucket-x' });
    expect(await codeOf(missingBucket.check())).toBe('invalid_input');
    await missingBucket.close();

    const store = new S3ArtifactStore({ ...server.settings, maxAttempts: 1 });
    await server.down();
    try {
      const error = await store.putBytes('a/down', 'x').catch((e: unknown) => e);
      expect((error as AgiqaError).code).toBe('unavailable');
      expect((error as AgiqaError).message).toMatch(/artefact store s3:\/\/.*: put a\/down/);
    } finally {
      await server.up();
    }
    await store.putBytes('a/down', 'x');
    await store.close();
  }, 60_000);
});
