import { createDb, type Db } from '../connection/create-db.js';
import { createTestDb } from './test-db.js';
import { postgresAvailable, startTestPostgres } from './test-postgres.js';

/** A kind of real database a suite runs on: `skip` says why it cannot run here (CI requires PostgreSQL). */
export interface DbTarget {
  name: string;
  skip?: string;
  /** A fresh, migrated, empty database and how to drop it. */
  open(): Promise<Db>;
}

/**
 * In-process PGlite and a PostgreSQL server: what a suite iterates with `describe.each` so that its
 * behaviour is shown on both. Without a server (and without `AGIQA_REQUIRE_POSTGRES=1`) the
 * PostgreSQL target carries the reason it is skipped.
 */
export function dbTargets(): DbTarget[] {
  const postgres = postgresAvailable();
  return [
    { name: 'PGlite', open: () => createTestDb() },
    {
      name: 'PostgreSQL',
      ...(postgres.ok ? {} : { skip: postgres.reason }),
      async open() {
        const server = await startTestPostgres();
        const db = await createDb({ url: server.url, migrate: true, poolSize: 4 });
        return {
          ...db,
          async close() {
            await db.close();
            await server.stop();
          },
        };
      },
    },
  ];
}
