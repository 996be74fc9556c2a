// Self-contained on purpose (package imports only): prisma.config.ts at the repository root loads
// this file directly when the Prisma CLI runs, outside any build.
import { PGlite } from '@electric-sql/pglite';
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
} from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

/**
 * Prisma driver adapter factory for an in-process PGlite, fixing what `pglite-prisma-adapter`
 * 0.6 gets wrong for migrations:
 * - Prisma's schema engine applies a migration script through `executeRaw` with no arguments;
 *   PGlite's `query` always uses the extended protocol, which refuses several statements
 *   ("cannot insert multiple commands into a prepared statement"). Argument-free SQL goes through
 *   `exec` (simple protocol) here, as node-postgres does for a query without values.
 * - `executeScript` is awaited, so its errors reach Prisma instead of escaping as unhandled.
 * - The shadow database is a fresh in-memory PGlite per call, closed on dispose.
 */
export class PgliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = 'pglite-prisma-adapter';
  private readonly inner: PrismaPGlite;

  constructor(private readonly pg: PGlite) {
    this.inner = new PrismaPGlite(pg);
  }

  async connect(): Promise<SqlDriverAdapter> {
    return withSimpleProtocolScripts(asCurrentAdapter(await this.inner.connect()), this.pg);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create();
    const adapter = withSimpleProtocolScripts(asCurrentAdapter(await new PrismaPGlite(shadow).connect()), shadow);
    return Object.assign(adapter, { dispose: () => shadow.close() });
  }
}

/**
 * pglite-prisma-adapter 0.6 is typed against driver-adapter-utils 6.10, whose `ArgType` lists
 * fewer scalar types than 6.19's. It ignores `argTypes` (PGlite infers parameter types with a
 * Describe), so the shapes agree at runtime; the cast states that at one place.
 */
function asCurrentAdapter(adapter: unknown): SqlDriverAdapter {
  return adapter as SqlDriverAdapter;
}

function withSimpleProtocolScripts(adapter: SqlDriverAdapter, pg: PGlite): SqlDriverAdapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  return Object.assign(adapter, {
    async executeRaw(query: SqlQuery): Promise<number> {
      if (query.args.length > 0) return executeRaw(query);
      const results = await runScript(pg, query.sql);
      return results.reduce((sum, r) => sum + (r.affectedRows ?? 0), 0);
    },
    async executeScript(script: string): Promise<void> {
      await runScript(pg, script);
    },
  });
}

async function runScript(pg: PGlite, sql: string) {
  try {
    return await pg.exec(sql);
  } catch (error) {
    throw toDriverAdapterError(error);
  }
}

/** Maps a Postgres error from PGlite to the error shape Prisma reports (P2010 etc.). */
function toDriverAdapterError(error: unknown): unknown {
  if (error instanceof Error && 'severity' in error && 'code' in error) {
    const e = error as Error & Record<'code' | 'severity' | 'detail' | 'column' | 'hint', string | undefined>;
    return new DriverAdapterError({
      kind: 'postgres',
      code: e.code ?? 'UNKNOWN',
      severity: e.severity ?? 'UNKNOWN',
      message: e.message,
      detail: e.detail,
      column: e.column,
      hint: e.hint,
    });
  }
  return error;
}

let timersUnrefed = false;

/**
 * Lets Node exit while a PGlite on a data folder is still open. Postgres re-arms an idle-stats
 * timer (10 s, through emscripten's `setitimer` → `setTimeout`) after every query, which keeps a
 * short-lived process such as the Prisma CLI alive long after its work is done; nobody closes the
 * PGlite there (Prisma never disposes config adapters). The timers only flush statistics, so they
 * may safely stop holding the process open. Process-wide: call it from CLI entry points only.
 */
export function unrefPostgresTimers(): void {
  if (timersUnrefed) return;
  timersUnrefed = true;
  const original = globalThis.setTimeout;
  const patched = (...args: Parameters<typeof setTimeout>) => {
    const timer = original(...args);
    if (new Error().stack?.includes('__setitimer_js')) timer.unref();
    return timer;
  };
  globalThis.setTimeout = Object.assign(patched, original) as typeof setTimeout;
}
