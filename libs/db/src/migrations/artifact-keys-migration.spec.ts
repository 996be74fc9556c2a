import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations } from './apply-migrations.js';
import { defaultMigrationsDir } from './migration-files.js';

const MIGRATION = '20261203191742_store_relative_artifact_keys';

/** The migrations folder as it was before `MIGRATION` (to write rows of the old layout). */
function migrationsBefore(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'agiqa-migrations-before-'));
  cpSync(path.join(defaultMigrationsDir(), 'migration_lock.toml'), path.join(dir, 'migration_lock.toml'));
  for (const entry of readdirSync(defaultMigrationsDir()).filter((e) => e < name && /^\d/.test(e))) {
    cpSync(path.join(defaultMigrationsDir(), entry), path.join(dir, entry), { recursive: true });
  }
  return dir;
}

describe(MIGRATION, () => {
  const before = migrationsBefore(MIGRATION);
  afterAll(() => rmSync(before, { recursive: true, force: true }));

  it("turns the embedded layout's file:// URIs into store-relative keys", async () => {
    const db = new PGlite();
    await applyMigrations(db, { migrationsDir: before });
    await db.exec(`
      INSERT INTO "Dataset" (id, "updatedAt", name, format, root, "contentHash", "itemCount", labels, summary)
        VALUES ('d1', now(), 'synth', 'agiqa3k', '/data', 'h', 1, '{}', '{}');
      INSERT INTO "FeatureSet" (id, "updatedAt", key, "datasetId", kind, "encoderName", "modelId", revision, dtype, uri, dim, "itemCount", "extractMs")
        VALUES ('f1', now(), 'abc123', 'd1', 'text', 'tiny-bert', 'm', 'r', 'fp32', 'file:///home/u/.agiqa/features/abc123', 8, 1, 1);
      INSERT INTO "Sweep" (id, "updatedAt", grid, "cellCount") VALUES ('s1', now(), '{}', 3);
      INSERT INTO "Run" (id, "updatedAt", "sweepId", "cellKey", "datasetId", "textEncoder", "imageEncoder", fusion, "splitRepeat", seed, config, "checkpointUri")
        VALUES ('r1', now(), 's1', 'a', 'd1', 't', 'i', 'concat', 0, 0, '{}', 'file:///home/u/.agiqa/artifacts/runs/r1/attempt-2/checkpoints/latest.ckpt'),
               ('r2', now(), 's1', 'b', 'd1', 't', 'i', 'concat', 0, 0, '{}', NULL),
               ('r3', now(), 's1', 'c', 'd1', 't', 'i', 'concat', 0, 0, '{}', 'file:///elsewhere/model.ckpt');
    `);
    const report = await applyMigrations(db);
    expect(report.applied).toContain(MIGRATION);
    const features = await db.query<{ artifactKey: string }>('SELECT "artifactKey" FROM "FeatureSet"');
    expect(features.rows).toEqual([{ artifactKey: 'features/abc123' }]);
    const runs = await db.query<{ id: string; checkpointKey: string | null }>('SELECT id, "checkpointKey" FROM "Run" ORDER BY id');
    expect(runs.rows).toEqual([
      { id: 'r1', checkpointKey: 'runs/r1/attempt-2/checkpoints/latest.ckpt' },
      { id: 'r2', checkpointKey: null },
      { id: 'r3', checkpointKey: null },
    ]);
    await db.close();
  });
});
