import type { PGlite } from '@electric-sql/pglite';
import { isTransientError, transientReason } from '@agiqa/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type PgliteGateway } from '../gateway/gateway.js';
import { createMigratedPglite } from '../testing/test-db.js';
import { privatePostgresAvailable, startPrivatePostgres, type PrivatePostgres } from '../testing/test-postgres.js';
import { createDb, type Db } from './create-db.js';

/** The error a call rejects with (fails the test when it resolves). */
async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Every way the platform talks to the database, as Prisma raises their errors. */
function calls(db: Db): Record<string, () => Promise<unknown>> {
  const { prisma } = db;
  return {
    'a model query': () => prisma.sweep.findMany(),
    'a raw query': () => prisma.$queryRawUnsafe('SELECT 1'),
    'a batch transaction': () => prisma.$transaction([prisma.sweep.count(), prisma.run.count()]),
    'an interactive transaction': () => prisma.$transaction(async (tx) => tx.sweep.count()),
  };
}

// Real errors of real outages: what `isTransientError` must recognise for the retry budgets to work.
describe('database outages raise transient errors, and the client recovers on its own', () => {
  describe('the PGlite gateway', () => {
    let pglite: PGlite;
    let gateway: PgliteGateway;
    let db: Db;

    beforeAll(async () => {
      pglite = await createMigratedPglite();
      gateway = await startGateway({ db: pglite });
      db = await createDb({ url: gateway.url });
    });

    afterAll(async () => {
      await db?.close();
      await gateway?.close();
      await pglite?.close();
    });

    it('is unreachable while stopped and answers again once restarted on its port', async () => {
      expect(await db.prisma.sweep.count()).toBe(0);
      const port = gateway.port;
      // Pooled connections are open: closing drops them (ECONNRESET / "Connection terminated").
      await gateway.close();
      for (const [what, call] of Object.entries(calls(db))) {
        const error = await failure(call);
        expect(isTransientError(error), `${what}: ${String(error)}`).toBe(true);
      }
      gateway = await startGateway({ db: pglite, port });
      expect(await db.prisma.sweep.count()).toBe(0);
      for (const call of Object.values(calls(db))) await call();
    });

    it('does not take a constraint violation for an outage', async () => {
      const dataset = { name: 'dup', format: 'agiqa3k' as const, root: '/x', contentHash: 'h', itemCount: 0, labels: [], summary: {} };
      await db.prisma.dataset.create({ data: dataset });
      const error = await failure(() => db.prisma.dataset.create({ data: dataset }));
      expect(transientReason(error)).toBeNull();
    });
  });

  const postgres = privatePostgresAvailable();
  describe.skipIf(!postgres.ok)(`a PostgreSQL server${postgres.ok ? '' : ` (skipped: ${postgres.reason})`}`, () => {
    let server: PrivatePostgres;
    let db: Db;

    beforeAll(async () => {
      server = await startPrivatePostgres();
      db = await createDb({ url: server.url, migrate: true });
    }, 120_000);

    afterAll(async () => {
      await db?.close();
      await server?.stop();
    });

    it('is unreachable after a crash and answers again after the restart', async () => {
      expect(await db.prisma.sweep.count()).toBe(0);
      await server.crash();
      for (const [what, call] of Object.entries(calls(db))) {
        const error = await failure(call);
        expect(isTransientError(error), `${what}: ${String(error)}`).toBe(true);
      }
      await server.restart();
      expect(await db.prisma.sweep.count()).toBe(0);
      for (const call of Object.values(calls(db))) await call();
    }, 120_000);
  });
});
