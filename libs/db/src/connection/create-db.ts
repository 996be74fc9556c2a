import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations, type MigrationReport } from '../migrations/apply-migrations.js';
import { lockDataDir } from './data-dir-lock.js';
import { parseDatabaseUrl, type DatabaseLocation } from './database-url.js';
import { createPgAdapter } from './pg-adapter.js';
import { PgliteAdapterFactory } from './pglite-adapter.js';

/** How long opening a connection to a server may take before it fails (node-postgres waits forever by default). */
const CONNECT_TIMEOUT_MS = 10_000;

/** An open database: the Prisma client and how to close everything behind it. */
export interface Db {
  prisma: PrismaClient;
  /** `pglite`: in this process; `postgres`: a server (or the embedded gateway) over TCP. */
  kind: 'pglite' | 'postgres';
  /** The resolved URL (`pglite:/abs/dir`, `pglite:memory`, or the postgres URL as given). */
  url: string;
  /** Migrations applied when opened with `migrate: true`. */
  migrations?: MigrationReport;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** A `DATABASE_URL`; omitted: `pglite:<home>/pglite`. */
  url?: string;
  /** `AGIQA_HOME` (default `.agiqa`), used only when `url` is omitted. */
  home?: string;
  /** Apply pending migrations before returning (see `applyMigrations`). */
  migrate?: boolean;
  /** Overrides the migrations folder when `migrate` is set. */
  migrationsDir?: string;
  /** Largest number of pooled connections to a server (node-postgres default 10). */
  poolSize?: number;
}

/**
 * Opens the database a `DATABASE_URL` names (see `parseDatabaseUrl`) behind a PrismaClient:
 * a server through `@prisma/adapter-pg` (a connection pool), or an in-process PGlite through
 * the PGlite driver adapter. A PGlite data folder is locked to this process while open.
 */
export async function createDb(options: CreateDbOptions = {}): Promise<Db> {
  const location = parseDatabaseUrl(options.url, options.home);
  return location.kind === 'postgres' ? openPostgres(location, options) : openPglite(location, options);
}

async function openPostgres(location: Extract<DatabaseLocation, { kind: 'postgres' }>, options: CreateDbOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: location.url,
    ...(options.poolSize ? { max: options.poolSize } : {}),
    // A server that does not answer (a partition, a host that is gone) fails the connection in
    // bounded time, as a transient error the retry budgets ride out, instead of hanging the call.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    // Columns are `timestamp(3)` without zone, holding UTC (Prisma's convention): a session in
    // another zone would shift `DEFAULT CURRENT_TIMESTAMP` values. The URL may still override it.
    ...(new URL(location.url).searchParams.has('options') ? {} : { options: '-c TimeZone=UTC' }),
  });
  // An idle pooled connection dropped by the server must not crash the process; the next query
  // reconnects or reports the error.
  pool.on('error', () => undefined);
  // Before any connection exists: the adapter adjusts each pooled connection as it opens.
  const adapter = createPgAdapter(pool);
  try {
    const migrations = options.migrate ? await applyMigrations(pool, { migrationsDir: options.migrationsDir }) : undefined;
    const prisma = new PrismaClient({ adapter });
    return {
      prisma,
      kind: 'postgres',
      url: location.url,
      ...(migrations ? { migrations } : {}),
      async close() {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end();
    throw error;
  }
}

async function openPglite(location: Extract<DatabaseLocation, { kind: 'pglite' }>, options: CreateDbOptions): Promise<Db> {
  const lock = location.dataDir ? lockDataDir(location.dataDir, { holder: `createDb (${process.argv[1] ?? 'node'})` }) : null;
  let client: PGlite | undefined;
  try {
    client = await PGlite.create(location.dataDir ?? undefined);
    const migrations = options.migrate ? await applyMigrations(client, { migrationsDir: options.migrationsDir }) : undefined;
    const prisma = new PrismaClient({ adapter: new PgliteAdapterFactory(client) });
    const opened = client;
    return {
      prisma,
      kind: 'pglite',
      url: location.url,
      ...(migrations ? { migrations } : {}),
      async close() {
        await prisma.$disconnect();
        if (!opened.closed) await opened.close();
        lock?.release();
      },
    };
  } catch (error) {
    if (client && !client.closed) await client.close();
    lock?.release();
    throw error;
  }
}
