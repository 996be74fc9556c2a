import { PGlite } from '@electric-sql/pglite';
import { PgliteAdapterFactory } from '../connection/pglite-adapter.js';
import type { Db } from '../connection/create-db.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations } from '../migrations/apply-migrations.js';

let template: Promise<Blob> | undefined;

/**
 * A fresh, migrated, in-memory PGlite database behind a PrismaClient: each call is isolated.
 * The migrated data folder is built once per process and copied into each new database, which
 * is several times faster than migrating every time.
 */
export async function createTestDb(): Promise<Db> {
  const client = await createMigratedPglite();
  const prisma = new PrismaClient({ adapter: new PgliteAdapterFactory(client) });
  return {
    prisma,
    kind: 'pglite',
    url: 'pglite:memory',
    async close() {
      await prisma.$disconnect();
      if (!client.closed) await client.close();
    },
  };
}

/** A fresh, migrated, in-memory PGlite (what `createTestDb` wraps), e.g. to serve through a gateway. */
export async function createMigratedPglite(): Promise<PGlite> {
  template ??= migratedTemplate().catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  return PGlite.create({ loadDataDir: await template });
}

async function migratedTemplate(): Promise<Blob> {
  const client = await PGlite.create();
  try {
    await applyMigrations(client);
    return await client.dumpDataDir('none');
  } finally {
    await client.close();
  }
}
