// Applies pending migrations to a database, offline (`npm run db:migrate`):
//   node libs/db/dist/migrations/main.js [--url <DATABASE_URL>] [--home <AGIQA_HOME>] [--migrations-dir <dir>]
// The URL defaults to $DATABASE_URL, else the embedded PGlite folder under AGIQA_HOME. A PGlite
// folder served by the gateway is locked: pass the gateway's postgres:// URL instead.
import { parseArgs } from 'node:util';
import { parseDatabaseUrl, redactUrl } from '../connection/database-url.js';
import { applyMigrations } from './apply-migrations.js';
import { defaultMigrationsDir } from './migration-files.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, home: { type: 'string' }, 'migrations-dir': { type: 'string' } },
    strict: true,
  });
  const location = parseDatabaseUrl(values.url ?? process.env['DATABASE_URL'], values.home ?? process.env['AGIQA_HOME']);
  const migrationsDir = values['migrations-dir'] ?? defaultMigrationsDir();
  console.log(`applying ${migrationsDir} to ${redactUrl(location.url)}`);
  const report = await applyMigrations(location.url, { migrationsDir, log: (line) => console.log(line) });
  if (report.missingLocally.length > 0) console.log(`applied in the database but not in ${migrationsDir}: ${report.missingLocally.join(', ')}`);
  console.log(report.applied.length === 0 ? `up to date (${report.alreadyApplied.length} applied)` : `applied ${report.applied.length}, ${report.alreadyApplied.length} were already applied`);
}

main().catch((error: unknown) => {
  console.error(`migration failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
