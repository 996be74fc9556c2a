import { randomUUID } from 'node:crypto';
import { AgiqaError } from '@agiqa/contracts';
import { checksumMatches, defaultMigrationsDir, readMigrations, type MigrationFile } from './migration-files.js';
import { openSession, type MigrationTarget, type SqlSession } from './sql-session.js';

/** What `applyMigrations` did. */
export interface MigrationReport {
  /** Applied by this call, in order. */
  applied: string[];
  /** Found already applied (checksums verified). */
  alreadyApplied: string[];
  /** Recorded in the database but absent from the folder (applied by a newer checkout?). */
  missingLocally: string[];
}

export interface ApplyMigrationsOptions {
  /** Folder of `<name>/migration.sql`; default: `defaultMigrationsDir()`. */
  migrationsDir?: string;
  /** Progress lines (one per applied migration). */
  log?: (line: string) => void;
}

/**
 * A migration script starting with this line runs outside a transaction (for statements
 * Postgres refuses inside one, such as `CREATE INDEX CONCURRENTLY`).
 */
export const NO_TRANSACTION_MARKER = '-- agiqa:no-transaction';

/** The advisory lock key `prisma migrate` takes: our applier and Prisma's exclude each other. */
const PRISMA_MIGRATE_LOCK = 72707369;

// Prisma's own DDL for its history table (schema-engine, postgres flavour).
const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface HistoryRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/**
 * Applies the pending migrations of `prisma/migrations` to `target`, offline, and records each in
 * Prisma's `_prisma_migrations` table exactly as `prisma migrate deploy` does (id, sha256
 * checksum of the file, started/finished times, `applied_steps_count` 1), so `prisma migrate
 * status`/`deploy` agree afterwards. Idempotent: applied migrations are skipped after their
 * checksum is verified.
 *
 * Each migration runs in its own transaction together with its history row; a failure rolls it
 * back, is recorded as a rolled-back attempt with the error in `logs` (as `prisma migrate resolve
 * --rolled-back` would leave it), and throws. Fails loudly when an applied migration's file has
 * changed, or when Prisma recorded a failed migration that nobody resolved.
 */
export async function applyMigrations(target: MigrationTarget, options: ApplyMigrationsOptions = {}): Promise<MigrationReport> {
  const migrations = readMigrations(options.migrationsDir ?? defaultMigrationsDir());
  const session = await openSession(target);
  try {
    await session.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
    try {
      return await applyWithLock(session, migrations, options.log ?? (() => undefined));
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]);
    }
  } finally {
    await session.release();
  }
}

async function applyWithLock(session: SqlSession, migrations: MigrationFile[], log: (line: string) => void): Promise<MigrationReport> {
  await refuseUnmanagedDatabase(session);
  await session.exec(CREATE_HISTORY);
  const rows = await session.query<HistoryRow>(
    'SELECT id, checksum, migration_name, finished_at, rolled_back_at, logs FROM "_prisma_migrations" ORDER BY started_at, migration_name',
  );
  const live = rows.filter((row) => row.rolled_back_at === null);
  const failed = live.find((row) => row.finished_at === null);
  if (failed) {
    throw new AgiqaError(
      'conflict',
      `migration ${failed.migration_name} failed earlier and is unresolved (Prisma P3009)` +
        `${failed.logs ? `: ${failed.logs.split('\n')[0]}` : ''}. Fix the database, then run ` +
        `\`prisma migrate resolve --rolled-back ${failed.migration_name}\` (or --applied).`,
    );
  }
  const applied = new Map(live.map((row) => [row.migration_name, row]));
  const report: MigrationReport = {
    applied: [],
    alreadyApplied: [],
    missingLocally: [...applied.keys()].filter((name) => !migrations.some((m) => m.name === name)),
  };
  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (row) {
      if (!checksumMatches(migration, row.checksum)) {
        throw new AgiqaError(
          'conflict',
          `migration ${migration.name} was modified after it was applied: checksum ${row.checksum} in the database, ` +
            `${migration.checksum} on disk. Never edit an applied migration; create a new one (npm run db:migrate:new -- <name>).`,
        );
      }
      report.alreadyApplied.push(migration.name);
      continue;
    }
    await applyOne(session, migration);
    log(`applied migration ${migration.name}`);
    report.applied.push(migration.name);
  }
  return report;
}

async function applyOne(session: SqlSession, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  const transactional = !migration.sql.startsWith(NO_TRANSACTION_MARKER);
  try {
    if (transactional) await session.exec('BEGIN');
    await session.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, clock_timestamp(), 0)',
      [id, migration.checksum, migration.name],
    );
    await session.exec(migration.sql);
    await session.query('UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1', [id]);
    if (transactional) await session.exec('COMMIT');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (transactional) {
      await session.exec('ROLLBACK');
      await session.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, rolled_back_at, logs, applied_steps_count) VALUES ($1, $2, $3, now(), now(), $4, 0)',
        [id, migration.checksum, migration.name, message],
      );
    } else {
      await session.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, message]);
    }
    throw new AgiqaError(
      'internal',
      `migration ${migration.name} failed${transactional ? ' and was rolled back' : ' outside a transaction; resolve it by hand'}: ${message}`,
    );
  }
}

/**
 * Like `prisma migrate deploy` (P3005), refuses a database that has tables but no migration
 * history: applying `init` over an unrelated schema would fail half-way or mix two schemas.
 */
async function refuseUnmanagedDatabase(session: SqlSession): Promise<void> {
  const [row] = await session.query<{ history: boolean; tables: string }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS history,
            (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()) AS tables`,
  );
  if (row && !row.history && Number(row.tables) > 0) {
    throw new AgiqaError(
      'conflict',
      `the database has ${row.tables} tables but no _prisma_migrations history: not applying migrations over an unmanaged schema ` +
        '(use an empty database, or baseline it with `prisma migrate resolve --applied <migration>`)',
    );
  }
}
