import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgiqaError } from '@agiqa/contracts';

/** One `prisma/migrations/<name>/migration.sql`, as Prisma identifies it. */
export interface MigrationFile {
  /** Folder name, e.g. `20261126124445_init`; migrations apply in lexical order of names. */
  name: string;
  sql: string;
  /** sha256 of the file's bytes, lowercase hex: what Prisma stores in `_prisma_migrations.checksum`. */
  checksum: string;
}

/** The lock file Prisma keeps beside the migration folders; its presence marks a migrations folder. */
const LOCK_FILE = 'migration_lock.toml';

/**
 * Finds `prisma/migrations`: `AGIQA_MIGRATIONS_DIR` when set, else the nearest
 * `prisma/migrations` (holding `migration_lock.toml`) above this module, which sits at
 * `libs/db/{src,dist}/migrations/` in the repository.
 */
export function defaultMigrationsDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['AGIQA_MIGRATIONS_DIR'];
  if (fromEnv) return path.resolve(fromEnv);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    if (existsSync(path.join(candidate, LOCK_FILE))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new AgiqaError(
        'internal',
        `no prisma/migrations folder (with ${LOCK_FILE}) above ${fileURLToPath(import.meta.url)}: set AGIQA_MIGRATIONS_DIR`,
      );
    }
    dir = parent;
  }
}

/** sha256 hex of a migration script, as Prisma computes `_prisma_migrations.checksum`. */
export function migrationChecksum(sql: string | Buffer): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Reads every migration under `dir` in the order Prisma applies them (lexical by folder name).
 * A folder without `migration.sql` is an error naming it: Prisma would refuse it too.
 */
export function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AgiqaError('internal', `migrations folder ${dir} does not exist (set AGIQA_MIGRATIONS_DIR or pass migrationsDir)`);
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, 'migration.sql');
      if (!existsSync(file)) throw new AgiqaError('internal', `migration folder ${path.join(dir, name)} has no migration.sql`);
      const bytes = readFileSync(file);
      return { name, sql: bytes.toString('utf8'), checksum: migrationChecksum(bytes) };
    });
}

/**
 * Whether a recorded checksum belongs to `migration`. Like Prisma, a checkout that only changed
 * line endings (git autocrlf) still matches.
 */
export function checksumMatches(migration: MigrationFile, recorded: string): boolean {
  if (recorded === migration.checksum) return true;
  const lf = migration.sql.replace(/\r\n/g, '\n');
  return recorded === migrationChecksum(lf) || recorded === migrationChecksum(lf.replace(/\n/g, '\r\n'));
}
