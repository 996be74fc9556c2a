import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgiqaError } from '@agiqa/contracts';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/test-postgres.js';
import { applyMigrations } from './apply-migrations.js';
import { defaultMigrationsDir, readMigrations } from './migration-files.js';

const repoRoot = path.resolve(defaultMigrationsDir(), '../..');
const run = promisify(execFile);

interface HistoryRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

/** A migrations folder of small scripts, so failure cases need no real schema. */
function fixtureDir(migrations: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'agiqa-migrations-'));
  writeFileSync(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

/** `prisma migrate <command>` through prisma.config.ts, offline (the js schema engine). */
async function prismaMigrate(command: 'status' | 'deploy', databaseUrl: string) {
  const standIn = path.join(repoRoot, 'infra/prisma/engine-stand-in.sh');
  const env = {
    ...process.env,
    PRISMA_DATABASE_URL: databaseUrl,
    PRISMA_SCHEMA_ENGINE_BINARY: standIn,
    PRISMA_QUERY_ENGINE_LIBRARY: standIn,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  const cli = path.join(repoRoot, 'node_modules/prisma/build/index.js');
  return run(process.execPath, [cli, 'migrate', command], { cwd: repoRoot, env, timeout: 60_000 });
}

describe(applyMigrations.name, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function memoryPglite(): Promise<PGlite> {
    const db = await PGlite.create();
    cleanups.push(() => db.close());
    return db;
  }

  it('applies the repository migrations to PGlite and records them as Prisma does; a second run is a no-op', async () => {
    const db = await memoryPglite();
    const files = readMigrations(defaultMigrationsDir());
    expect(files.length).toBeGreaterThan(0);

    const first = await applyMigrations(db);
    expect(first.applied).toEqual(files.map((f) => f.name));
    const history = (await db.query<HistoryRow>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).rows;
    expect(history).toHaveLength(files.length);
    history.forEach((row, i) => {
      const file = files[i] as (typeof files)[number];
      const bytes = readFileSync(path.join(defaultMigrationsDir(), file.name, 'migration.sql'));
      expect(row.migration_name).toBe(file.name);
      expect(row.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    });
    const tables = (await db.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).rows;
    expect(tables.map((t) => t.tablename)).toEqual(expect.arrayContaining(['Dataset', 'Run', 'Sweep', 'EpochMetric']));

    const second = await applyMigrations(db);
    expect(second).toEqual({ applied: [], alreadyApplied: files.map((f) => f.name), missingLocally: [] });
    expect((await db.query('SELECT 1 FROM "_prisma_migrations"')).rows).toHaveLength(files.length);
  });

  it('applies only the migrations added since the last run', async () => {
    const db = await memoryPglite();
    const dir = fixtureDir({ '001_a': 'CREATE TABLE a (x int);' });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    expect((await applyMigrations(db, { migrationsDir: dir })).applied).toEqual(['001_a']);
    mkdirSync(path.join(dir, '002_b'));
    writeFileSync(path.join(dir, '002_b', 'migration.sql'), 'CREATE TABLE b (y int);\nINSERT INTO b VALUES (1);');
    const report = await applyMigrations(db, { migrationsDir: dir });
    expect(report.applied).toEqual(['002_b']);
    expect(report.alreadyApplied).toEqual(['001_a']);
    expect((await db.query('SELECT y FROM b')).rows).toEqual([{ y: 1 }]);
  });

  it('fails loudly when an applied migration was edited afterwards', async () => {
    const db = await memoryPglite();
    const dir = fixtureDir({ '001_a': 'CREATE TABLE a (x int);' });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await applyMigrations(db, { migrationsDir: dir });
    writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE a (x bigint);');
    const error = await applyMigrations(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).code).toBe('conflict');
    expect((error as Error).message).toMatch(/migration 001_a was modified after it was applied/);
  });

  it('accepts a checkout that only changed line endings', async () => {
    const db = await memoryPglite();
    const dir = fixtureDir({ '001_a': 'CREATE TABLE a (x int);\nCREATE TABLE c (z int);\n' });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await applyMigrations(db, { migrationsDir: dir });
    writeFileSync(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE a (x int);\r\nCREATE TABLE c (z int);\r\n');
    expect((await applyMigrations(db, { migrationsDir: dir })).alreadyApplied).toEqual(['001_a']);
  });

  it('rolls a failing migration back whole, records the attempt, and applies it once fixed', async () => {
    const db = await memoryPglite();
    const dir = fixtureDir({
      '001_a': 'CREATE TABLE a (x int);',
      '002_bad': 'CREATE TABLE half (x int);\nSELECT 1/0;',
    });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const error = await applyMigrations(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/migration 002_bad failed and was rolled back: division by zero/);
    expect((await db.query(`SELECT to_regclass('half') AS t`)).rows).toEqual([{ t: null }]);
    const attempts = (await db.query<HistoryRow>(`SELECT * FROM "_prisma_migrations" WHERE migration_name = '002_bad'`)).rows;
    expect(attempts).toEqual([
      expect.objectContaining({ rolled_back_at: expect.any(Date), finished_at: null, logs: expect.stringMatching(/division by zero/) }),
    ]);

    writeFileSync(path.join(dir, '002_bad', 'migration.sql'), 'CREATE TABLE half (x int);');
    const report = await applyMigrations(db, { migrationsDir: dir });
    expect(report.applied).toEqual(['002_bad']);
    expect((await db.query(`SELECT to_regclass('half') IS NOT NULL AS t`)).rows).toEqual([{ t: true }]);
  });

  it('refuses to continue past a failed migration that Prisma recorded and nobody resolved', async () => {
    const db = await memoryPglite();
    const dir = fixtureDir({ '001_a': 'CREATE TABLE a (x int);', '002_b': 'CREATE TABLE b (y int);' });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await applyMigrations(db, { migrationsDir: dir });
    await db.query(`UPDATE "_prisma_migrations" SET finished_at = NULL, logs = 'boom' WHERE migration_name = '002_b'`);
    await expect(applyMigrations(db, { migrationsDir: dir })).rejects.toThrow(/002_b failed earlier and is unresolved.*migrate resolve/);
  });

  it('refuses a database that has tables but no migration history', async () => {
    const db = await memoryPglite();
    await db.exec('CREATE TABLE someone_elses (x int)');
    await expect(applyMigrations(db)).rejects.toThrow(/1 tables but no _prisma_migrations history/);
  });

  it('reports migrations recorded in the database that the folder lacks', async () => {
    const db = await memoryPglite();
    const dir = fixtureDir({ '001_a': 'CREATE TABLE a (x int);', '002_b': 'CREATE TABLE b (y int);' });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await applyMigrations(db, { migrationsDir: dir });
    rmSync(path.join(dir, '002_b'), { recursive: true });
    expect((await applyMigrations(db, { migrationsDir: dir })).missingLocally).toEqual(['002_b']);
  });

  it('agrees with `prisma migrate status` and `deploy` on a PGlite data folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agiqa-pglite-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const report = await applyMigrations(`pglite:${dir}`);
    expect(report.applied.length).toBeGreaterThan(0);
    const status = await prismaMigrate('status', `pglite:${dir}`);
    expect(status.stdout).toMatch(/Database schema is up to date!/);
    const deploy = await prismaMigrate('deploy', `pglite:${dir}`);
    expect(deploy.stdout).toMatch(/No pending migrations to apply/);
  }, 60_000);

  describe.skipIf(!postgresAvailable().ok)(`on a PostgreSQL server (${postgresAvailable().reason})`, () => {
    let server: TestPostgres;
    beforeAll(async () => {
      server = await startTestPostgres();
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });

    it('applies once even when two processes race, and Prisma agrees afterwards', async () => {
      const pool = new pg.Pool({ connectionString: server.url, max: 4 });
      cleanups.push(() => pool.end());
      const [a, b] = await Promise.all([applyMigrations(pool), applyMigrations(server.url)]);
      const names = readMigrations(defaultMigrationsDir()).map((m) => m.name);
      expect([...a.applied, ...b.applied].sort()).toEqual(names);
      expect([...a.alreadyApplied, ...b.alreadyApplied].sort()).toEqual(names);
      const rows = await pool.query<HistoryRow>('SELECT * FROM "_prisma_migrations"');
      expect(rows.rows.map((r) => r.applied_steps_count)).toEqual(names.map(() => 1));
      expect((await applyMigrations(pool)).applied).toEqual([]);

      const status = await prismaMigrate('status', server.url);
      expect(status.stdout).toMatch(/Database schema is up to date!/);
      const deploy = await prismaMigrate('deploy', server.url);
      expect(deploy.stdout).toMatch(/No pending migrations to apply/);
    }, 60_000);
  });
});
