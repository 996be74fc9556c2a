import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/test-postgres.js';
import { createDb, type Db } from './create-db.js';

describe(createDb.name, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agiqa-db-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it('opens the embedded default under home, migrates it, and keeps data across reopening', async () => {
    const home = tempDir();
    let db: Db = await createDb({ home, migrate: true });
    expect(db.kind).toBe('pglite');
    expect(db.url).toBe(`pglite:${path.join(home, 'pglite')}`);
    expect(db.migrations?.applied.length).toBeGreaterThan(0);
    await db.prisma.apiToken.create({ data: { name: 'kept', tokenHash: 'h' } });
    await db.close();

    db = await createDb({ url: `pglite:${path.join(home, 'pglite')}`, migrate: true });
    cleanups.push(() => db.close());
    expect(db.migrations?.applied).toEqual([]);
    expect((await db.prisma.apiToken.findMany()).map((t) => t.name)).toEqual(['kept']);
  });

  it('refuses a second opener of one PGlite folder, naming the holder', async () => {
    const dir = path.join(tempDir(), 'pglite');
    const first = await createDb({ url: `pglite:${dir}` });
    cleanups.push(() => first.close());
    await expect(createDb({ url: `pglite:${dir}` })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(new RegExp(`in use by process ${process.pid}`)),
    });
  });

  it('opens an in-memory PGlite for pglite:memory', async () => {
    const db = await createDb({ url: 'pglite:memory', migrate: true });
    cleanups.push(() => db.close());
    expect(db.url).toBe('pglite:memory');
    expect(await db.prisma.sweep.count()).toBe(0);
  });

  describe.skipIf(!postgresAvailable().ok)(`on a PostgreSQL server (${postgresAvailable().reason})`, () => {
    let server: TestPostgres;
    beforeAll(async () => {
      server = await startTestPostgres();
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });

    it('connects through adapter-pg, migrates, and answers catalog queries returning `name` columns', async () => {
      const db = await createDb({ url: server.url, migrate: true });
      cleanups.push(() => db.close());
      expect(db.kind).toBe('postgres');
      expect(db.migrations?.applied.length).toBeGreaterThan(0);
      const [row] = await db.prisma.$queryRawUnsafe<{ schema: string; zone: string }[]>(
        'SELECT current_schema() AS schema, current_setting($1) AS zone',
        'TimeZone',
      );
      expect(row).toEqual({ schema: 'public', zone: 'UTC' });
      const token = await db.prisma.apiToken.create({ data: { name: 'pg', tokenHash: 'h' } });
      expect(Math.abs(token.createdAt.getTime() - Date.now())).toBeLessThan(5_000);
    });
  });
});
