// The embedded database process:
//   node libs/db/dist/gateway/main.js --data-dir .agiqa/pglite [--host 127.0.0.1] [--port 0]
// Owns the PGlite data folder (locked to this process), applies pending migrations, then serves
// it over the Postgres wire protocol. Prints one line `agiqa db gateway ready <url> …` once
// clients may connect. SIGTERM / SIGINT close clients (rolling back open transactions) and PGlite
// (a checkpoint), so the folder is always left consistent.
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir, updateDataDirLock, type DataDirLock } from '../connection/data-dir-lock.js';
import { applyMigrations } from '../migrations/apply-migrations.js';
import { parseGatewayArgs, USAGE } from './args.js';
import { startAutovacuum, type Autovacuum } from './autovacuum.js';
import { startGateway, type PgliteGateway } from './gateway.js';

const log = (line: string) => console.log(`[agiqa db gateway] ${line}`);

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const args = parseGatewayArgs(process.argv.slice(2));
  const lock: DataDirLock = lockDataDir(args.dataDir, { holder: 'gateway' });
  let db: PGlite | undefined;
  let gateway: PgliteGateway | undefined;
  let autovacuum: Autovacuum | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (reason: string, code: number) => {
    stopping ??= (async () => {
      log(`${reason}: closing`);
      await autovacuum?.stop();
      await gateway?.close();
      if (db && !db.closed) await db.close();
      lock.release();
      log('closed');
      process.exitCode = code;
      // Postgres' own timers inside the closed PGlite may still be pending; nothing else is.
      setTimeout(() => process.exit(code), 200).unref();
    })();
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      // A second signal while closing changes nothing: PGlite must finish its checkpoint.
      void stop(signal, 0);
    });
  }

  try {
    db = await PGlite.create(args.dataDir);
    if (args.migrate) {
      const report = await applyMigrations(db, { ...(args.migrationsDir ? { migrationsDir: args.migrationsDir } : {}), log });
      if (report.missingLocally.length > 0) log(`migrations applied to this database but absent here: ${report.missingLocally.join(', ')}`);
    }
    gateway = await startGateway({ db, host: args.host, port: args.port, idleInTransactionTimeoutMs: args.idleInTransactionTimeoutMs, log });
    if (args.autovacuumIntervalMs > 0) autovacuum = await startAutovacuum({ url: gateway.url, intervalMs: args.autovacuumIntervalMs, log });
    updateDataDirLock(lock, { url: gateway.url });
    log(`ready ${gateway.url} (data ${args.dataDir}, pid ${process.pid})`);
  } catch (error) {
    await stop(`failed to start: ${(error as Error).message}`, 1);
  }
}

main().catch((error: unknown) => {
  console.error(`[agiqa db gateway] ${(error as Error).message}`);
  process.exitCode = 1;
});
