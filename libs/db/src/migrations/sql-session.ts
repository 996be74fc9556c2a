import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { lockDataDir } from '../connection/data-dir-lock.js';
import { parseDatabaseUrl } from '../connection/database-url.js';

/**
 * Where migrations go: an open PGlite, a node-postgres pool or client, or a `DATABASE_URL`
 * (opened for the call and closed after it).
 */
export type MigrationTarget = PGlite | pg.Pool | pg.ClientBase | string;

/** One database session: statements run in order on one connection. */
export interface SqlSession {
  /** Runs a script of one or more statements (simple protocol, no parameters). */
  exec(sql: string): Promise<void>;
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Returns the connection (or closes what the session opened). */
  release(): Promise<void>;
}

/** Opens one session on `target`; pools lend a client for the session's lifetime. */
export async function openSession(target: MigrationTarget): Promise<SqlSession> {
  if (typeof target === 'string') return openUrl(target);
  if (target instanceof PGlite) return pgliteSession(target, async () => undefined);
  if (target instanceof pg.Pool) {
    const client = await target.connect();
    return clientSession(client, async () => client.release());
  }
  return clientSession(target, async () => undefined);
}

async function openUrl(url: string): Promise<SqlSession> {
  const location = parseDatabaseUrl(url);
  if (location.kind === 'postgres') {
    const client = new pg.Client({ connectionString: location.url });
    await client.connect();
    return clientSession(client, () => client.end());
  }
  const lock = location.dataDir ? lockDataDir(location.dataDir, { holder: 'migrations' }) : null;
  try {
    const db = await PGlite.create(location.dataDir ?? undefined);
    return pgliteSession(db, async () => {
      await db.close();
      lock?.release();
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
}

function pgliteSession(db: PGlite, release: () => Promise<void>): SqlSession {
  return {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<R>(sql: string, params: unknown[] = []) {
      return (await db.query<R>(sql, params)).rows;
    },
    release,
  };
}

function clientSession(client: pg.ClientBase, release: () => Promise<void>): SqlSession {
  return {
    async exec(sql) {
      // No values: node-postgres sends a simple Query, which may hold several statements.
      await client.query(sql);
    },
    async query<R>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as R[];
    },
    release,
  };
}
