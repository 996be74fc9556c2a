// Prisma CLI configuration. Prisma's native schema engine is downloaded at install time and that
// download fails offline, so `prisma migrate …` runs on the JavaScript schema engine (bundled wasm)
// through a driver adapter instead: `engine: 'js'` (experimental in Prisma 6.19).
//
// Which database the CLI talks to is `PRISMA_DATABASE_URL`, else `DATABASE_URL`, in the forms the
// apps accept (libs/db/README.md): `postgres://…`, `pglite:<dir>`, `pglite:memory`; unset means
// the embedded default `pglite:$AGIQA_HOME/pglite`. `npm run db:migrate:new -- <name>` uses an
// in-memory PGlite, so creating a migration never touches a real database.
//
// Adapters are imported lazily: `prisma generate` loads this file too and needs none of them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';

function databaseUrl(): string {
  const url = process.env['PRISMA_DATABASE_URL'] ?? process.env['DATABASE_URL'];
  if (url) return url;
  return `pglite:${path.join(process.env['AGIQA_HOME'] ?? '.agiqa', 'pglite')}`;
}

const url = databaseUrl();
// The schema's datasource reads DATABASE_URL and Prisma validates it as a postgres URL even though
// the js engine connects through the adapter below; give it a well-formed placeholder for PGlite.
if (!isPostgresUrl(process.env['DATABASE_URL'] ?? '')) {
  process.env['DATABASE_URL'] = 'postgresql://pglite.invalid/agiqa';
}

/**
 * A PGlite folder is one Postgres backend: opening it beside its owner (the gateway, an app)
 * corrupts it. libs/db locks folders with `<folder>.lock`; honour it here.
 */
function refuseFolderInUse(dataDir: string): void {
  let holder: { pid?: number; holder?: string; url?: string };
  try {
    holder = JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8'));
  } catch {
    return;
  }
  try {
    if (typeof holder.pid === 'number') process.kill(holder.pid, 0);
  } catch {
    return;
  }
  const via = holder.url ? `: use PRISMA_DATABASE_URL=${holder.url}` : '';
  throw new Error(`PGlite folder ${dataDir} is in use by process ${holder.pid} (${holder.holder})${via}`);
}

function isPostgresUrl(value: string): boolean {
  return value.startsWith('postgres://') || value.startsWith('postgresql://');
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  async adapter() {
    const { unrefWasmTimers } = await import('./libs/db/src/connection/pglite-adapter.ts');
    unrefWasmTimers();
    if (isPostgresUrl(url)) {
      const { default: pg } = await import('pg');
      const { createPgAdapter } = await import('./libs/db/src/connection/pg-adapter.ts');
      // allowExitOnIdle: idle pooled connections must not keep the CLI running after its work.
      return createPgAdapter(new pg.Pool({ connectionString: url, allowExitOnIdle: true }));
    }
    if (url.startsWith('pglite:')) {
      const { PGlite } = await import('@electric-sql/pglite');
      const { PgliteAdapterFactory } = await import('./libs/db/src/connection/pglite-adapter.ts');
      const where = url.slice('pglite:'.length);
      if (where !== 'memory') refuseFolderInUse(path.resolve(where));
      const client = await PGlite.create(where === 'memory' ? undefined : path.resolve(where));
      return new PgliteAdapterFactory(client);
    }
    throw new Error(`prisma.config.ts: unsupported database URL "${url}" (use postgres://…, pglite:<dir> or pglite:memory)`);
  },
});
