import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedPglite } from '../testing/test-db.js';
import { startAutovacuum, tablesDue, type AutovacuumSettings, type TableCounters } from './autovacuum.js';
import { startGateway, type PgliteGateway } from './gateway.js';

/** PostgreSQL's defaults. */
const SETTINGS: AutovacuumSettings = { vacuumThreshold: 50, vacuumScaleFactor: 0.2, analyzeThreshold: 50, analyzeScaleFactor: 0.1, freezeMaxAge: 200_000_000 };
const quiet: TableCounters = { schema: 'public', table: 'Run', reltuples: 10_000, bytes: 5_734_400, deadRows: 0, modifiedSinceAnalyze: 0, xidAge: 1_000 };

describe(tablesDue.name, () => {
  it('analyses a table once more rows changed than the threshold plus the scale factor allows', () => {
    expect(tablesDue([{ ...quiet, modifiedSinceAnalyze: 1_050 }], SETTINGS, false)).toEqual([]);
    expect(tablesDue([{ ...quiet, modifiedSinceAnalyze: 1_051 }], SETTINGS, false)).toEqual([
      { schema: 'public', table: 'Run', vacuum: false, analyze: true, reason: '1051 rows changed since the last analysis, over 1050' },
    ]);
  });

  it('vacuums a table with more dead rows than allowed, or one whose transaction ids grow old', () => {
    expect(tablesDue([{ ...quiet, deadRows: 2_050 }], SETTINGS, false)).toEqual([]);
    expect(tablesDue([{ ...quiet, deadRows: 2_051 }], SETTINGS, false)).toMatchObject([{ vacuum: true, analyze: false }]);
    expect(tablesDue([{ ...quiet, xidAge: 200_000_001 }], SETTINGS, false)).toMatchObject([{ vacuum: true, analyze: false, reason: 'transaction-id age 200000001 over 200000000' }]);
  });

  it('analyses a table never analysed, and every table with rows on the first pass (counters start at zero)', () => {
    const empty: TableCounters = { ...quiet, table: 'Schedule', reltuples: -1, bytes: 0 };
    const never: TableCounters = { ...quiet, table: 'Sweep', reltuples: -1, bytes: 24_576 };
    expect(tablesDue([empty, never, quiet], SETTINGS, false)).toEqual([{ schema: 'public', table: 'Sweep', vacuum: false, analyze: true, reason: 'never analysed' }]);
    expect(tablesDue([empty, never, quiet], SETTINGS, true).map((a) => a.table)).toEqual(['Sweep', 'Run']);
  });
});

describe(startAutovacuum.name, () => {
  let db: PGlite;
  let gateway: PgliteGateway;
  let client: pg.Client;
  const estimate = async (sql: string) => {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`);
    return Number(/rows=(\d+)/.exec(rows[0]?.['QUERY PLAN'] ?? '')?.[1]);
  };

  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec(`CREATE TABLE run (id serial PRIMARY KEY, fusion text NOT NULL, n int NOT NULL);
      INSERT INTO run (fusion, n) SELECT CASE WHEN i % 10 = 0 THEN 'cosine' ELSE 'concat' END, i FROM generate_series(1, 5000) i`);
    gateway = await startGateway({ db, idleInTransactionTimeoutMs: 0 });
    client = new pg.Client({ connectionString: gateway.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await gateway.close();
    await db.close();
  });

  it('gives the planner the statistics PGlite never gathers, and removes dead rows once there are enough', async () => {
    const autovacuum = await startAutovacuum({ url: gateway.url, intervalMs: 0 });
    try {
      // Before: no statistics, so the planner guesses the share of 'cosine' rows (500 of 5,000).
      expect(Math.abs((await estimate(`SELECT * FROM run WHERE fusion = 'cosine'`)) - 500)).toBeGreaterThan(100);
      expect(await autovacuum.pass()).toMatchObject([{ table: 'run', analyze: true, vacuum: false }]);
      // After: from a sample of 3,000 rows (statistics target 10).
      expect(Math.abs((await estimate(`SELECT * FROM run WHERE fusion = 'cosine'`)) - 500)).toBeLessThan(50);
      expect(await autovacuum.pass()).toEqual([]);

      // 2,000 updated rows: dead versions over 50 + 0.2 × 5,000, changes over 50 + 0.1 × 5,000.
      await client.query('UPDATE run SET n = n + 1 WHERE id <= 2000');
      await sleep(1_200); // PostgreSQL hands its counters over at most once a second
      await client.query('SELECT 1');
      expect(await autovacuum.pass()).toMatchObject([{ table: 'run', vacuum: true, analyze: true }]);
      const { rows } = await client.query<{ dead: number }>(`SELECT n_dead_tup::int AS dead FROM pg_stat_user_tables WHERE relname = 'run'`);
      expect(rows).toEqual([{ dead: 0 }]);
    } finally {
      await autovacuum.stop();
    }
  });

  it("waits for another client's open transaction instead of running inside it", async () => {
    const autovacuum = await startAutovacuum({ url: gateway.url, intervalMs: 0 });
    const other = new pg.Client({ connectionString: gateway.url });
    await other.connect();
    try {
      await autovacuum.pass(); // the first pass analyses; what follows is a vacuum
      await client.query('UPDATE run SET n = n + 1 WHERE id <= 2000');
      await sleep(1_200);
      await client.query('SELECT 1');
      await other.query('BEGIN');
      await other.query('SELECT 1');
      // VACUUM inside a transaction block fails; through the gateway it waits for the COMMIT.
      const pass = autovacuum.pass();
      await sleep(300);
      await other.query('COMMIT');
      expect(await pass).toMatchObject([{ table: 'run', vacuum: true }]);
    } finally {
      await other.end();
      await autovacuum.stop();
    }
  });

  it('keeps the gateway session as it was: the lower statistics target is its own transaction\'s', async () => {
    const autovacuum = await startAutovacuum({ url: gateway.url, intervalMs: 0 });
    try {
      await autovacuum.pass();
      expect((await client.query('SHOW default_statistics_target')).rows).toEqual([{ default_statistics_target: '100' }]);
    } finally {
      await autovacuum.stop();
    }
  });
});

describe('the schema under the autovacuum', () => {
  it("gathers no statistics for a run's JSON documents (no query can use them), and does for its columns", async () => {
    const db = await createMigratedPglite();
    try {
      await db.exec(`INSERT INTO "Dataset" ("id", "name", "format", "root", "contentHash", "itemCount", "summary", "updatedAt") VALUES ('d', 'd', 'manifest', '/d', 'h', 0, '{}', now());
        INSERT INTO "Sweep" ("id", "name", "grid", "cellCount", "updatedAt") VALUES ('s', 's', '{}', 1, now());
        INSERT INTO "Run" ("id", "sweepId", "cellKey", "datasetId", "imageEncoder", "fusion", "splitRepeat", "config", "machine", "updatedAt")
          SELECT 'r' || i, 's', 'c' || i, 'd', 'tiny-clip', 'concat', 0, '{"epochs": 2}', '{"cpu": "x"}', now() FROM generate_series(1, 20) i;
        ANALYZE "Run";`);
      const { rows } = await db.query<{ attname: string }>(`SELECT attname FROM pg_stats WHERE tablename = 'Run'`);
      const columns = rows.map((r) => r.attname);
      expect(columns).toContain('fusion');
      expect(columns).not.toContain('config');
      expect(columns).not.toContain('machine');
    } finally {
      await db.close();
    }
  });
});

describe('the autovacuum over several schemas', () => {
  it('names each table with its schema, so a table outside the search path is maintained too', async () => {
    const db = await PGlite.create();
    await db.exec(`CREATE SCHEMA other; CREATE TABLE other.item (n int); INSERT INTO other.item SELECT generate_series(1, 100);
      CREATE TABLE public.item (n int); INSERT INTO public.item SELECT generate_series(1, 100);`);
    const gateway = await startGateway({ db, idleInTransactionTimeoutMs: 0 });
    const autovacuum = await startAutovacuum({ url: gateway.url, intervalMs: 0 });
    try {
      const done = await autovacuum.pass();
      expect(done.map((a) => `${a.schema}.${a.table}`)).toEqual(['other.item', 'public.item']);
      // Both were analysed (row counts known), not the one in the search path twice.
      const { rows } = await db.query<{ name: string; rows: number }>(`SELECT n.nspname || '.' || c.relname AS name, c.reltuples::int AS rows FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'item' ORDER BY 1`);
      expect(rows).toEqual([{ name: 'other.item', rows: 100 }, { name: 'public.item', rows: 100 }]);
    } finally {
      await autovacuum.stop();
      await gateway.close();
      await db.close();
    }
  });
});
