import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { PgliteAdapterFactory } from '../connection/pglite-adapter.js';
import type { Db } from '../connection/create-db.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations } from '../migrations/apply-migrations.js';
import { defaultMigrationsDir, readMigrations } from '../migrations/migration-files.js';

let template: Promise<Blob> | undefined;

/**
 * A fresh, migrated, in-memory PGlite database behind a PrismaClient: each call is isolated.
 * A migrated data folder is built once and copied into each new database, which is several times
 * faster than creating and migrating every time (see `migratedTemplate`).
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

/**
 * The data folder of a freshly migrated PGlite, as a tar. Cached in memory per process and on
 * disk (gzip, in the temp folder) across processes — vitest runs each spec file in its own worker —
 * keyed by the PGlite version and the migrations' names and checksums, so a new migration or
 * PGlite release builds a new one. Written under a temporary name and renamed: concurrent
 * builders never expose a partial file.
 */
async function migratedTemplate(): Promise<Blob> {
  const migrationsDir = defaultMigrationsDir();
  const fingerprint = [`pglite ${pgliteVersion()}`, ...readMigrations(migrationsDir).map((m) => `${m.name} ${m.checksum}`)].join('\n');
  const file = path.join(tmpdir(), `agiqa-pglite-template-${createHash('sha256').update(fingerprint).digest('hex').slice(0, 16)}.tar.gz`);
  if (existsSync(file)) {
    try {
      return new Blob([gunzipSync(readFileSync(file))]);
    } catch {
      // A damaged cache file is rebuilt below.
    }
  }
  const client = await PGlite.create();
  try {
    await applyMigrations(client, { migrationsDir });
    const gzipped = Buffer.from(await (await client.dumpDataDir('gzip')).arrayBuffer());
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, gzipped);
    renameSync(partial, file);
    return new Blob([gunzipSync(gzipped)]);
  } finally {
    await client.close();
  }
}

function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}
