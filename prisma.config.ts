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

function isPostgresUrl(value: string): boolean {
  return value.startsWith('postgres://') || value.startsWith('postgresql://');
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  async adapter() {
    if (isPostgresUrl(url)) {
      const { default: pg } = await import('pg');
      const { createPgAdapter } = await import('./libs/db/src/connection/pg-adapter.ts');
      // allowExitOnIdle: idle pooled connections must not keep the CLI running after its work.
      return createPgAdapter(new pg.Pool({ connectionString: url, allowExitOnIdle: true }));
    }
    if (url.startsWith('pglite:')) {
      const { PGlite } = await import('@electric-sql/pglite');
      const { PgliteAdapterFactory, unrefPostgresTimers } = await import('./libs/db/src/connection/pglite-adapter.ts');
      unrefPostgresTimers();
      const where = url.slice('pglite:'.length);
      const client = await PGlite.create(where === 'memory' ? undefined : path.resolve(where));
      return new PgliteAdapterFactory(client);
    }
    throw new Error(`prisma.config.ts: unsupported database URL "${url}" (use postgres://…, pglite:<dir> or pglite:memory)`);
  },
});
