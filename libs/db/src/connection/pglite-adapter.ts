// Self-contained on purpose (package imports only): prisma.config.ts at the repository root loads
// this file directly when the Prisma CLI runs, outside any build.
import { PGlite } from '@electric-sql/pglite';
import {
  DriverAdapterError,
  type MappedError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlQueryable,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

/**
 * Prisma driver adapter factory for an in-process PGlite: `pglite-prisma-adapter` 0.6 with what
 * it gets wrong fixed, so PGlite behaves like `@prisma/adapter-pg` towards Prisma:
 * - Postgres errors are mapped to Prisma's error kinds (a unique violation is P2002, a foreign
 *   key P2003, …); 0.6 passes them on raw, so callers could not tell a taken name from a crash.
 * - Argument-free SQL runs through `exec` (simple protocol), as node-postgres does for a query
 *   without values: Prisma's schema engine applies a whole migration script through
 *   `executeRaw`, and the extended protocol refuses several statements.
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
    return fixAdapter(asCurrentAdapter(await this.inner.connect()), this.pg);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create();
    const adapter = fixAdapter(asCurrentAdapter(await new PrismaPGlite(shadow).connect()), shadow);
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

function fixAdapter(adapter: SqlDriverAdapter, pg: PGlite): SqlDriverAdapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  mapErrors(adapter);
  return Object.assign(adapter, {
    async executeRaw(query: SqlQuery): Promise<number> {
      if (query.args.length > 0) return executeRaw(query).catch(rethrowMapped);
      const results = await runScript(pg, query.sql);
      return results.reduce((sum, r) => sum + (r.affectedRows ?? 0), 0);
    },
    async executeScript(script: string): Promise<void> {
      await runScript(pg, script);
    },
    async startTransaction(...args: Parameters<SqlDriverAdapter['startTransaction']>): Promise<Transaction> {
      return mapErrors(await startTransaction(...args).catch(rethrowMapped));
    },
  });
}

function mapErrors<T extends SqlQueryable>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  const executeRaw = queryable.executeRaw.bind(queryable);
  return Object.assign(queryable, {
    queryRaw: (query: SqlQuery) => queryRaw(query).catch(rethrowMapped),
    executeRaw: (query: SqlQuery) => executeRaw(query).catch(rethrowMapped),
  });
}

async function runScript(pg: PGlite, sql: string) {
  try {
    return await pg.exec(sql);
  } catch (error) {
    return rethrowMapped(error);
  }
}

type PostgresFields = Partial<Record<'code' | 'severity' | 'message' | 'detail' | 'column' | 'hint' | 'constraint', string>>;

/** Turns a Postgres error (raw from PGlite, or wrapped by the 0.6 adapter) into Prisma's kinds. */
function rethrowMapped(error: unknown): never {
  if (error instanceof Error && error.name === 'DriverAdapterError') {
    const cause = (error as Error & { cause?: { kind?: string } }).cause;
    if (cause?.kind === 'postgres') throw new DriverAdapterError(mapPostgresError(cause as PostgresFields));
    throw error;
  }
  if (error instanceof Error && 'severity' in error && 'code' in error) {
    throw new DriverAdapterError(mapPostgresError(error as Error & PostgresFields));
  }
  throw error;
}

/** The SQLSTATE mapping `@prisma/adapter-pg` applies, for the states a PGlite can raise. */
function mapPostgresError(error: PostgresFields): MappedError {
  const keyFields = () => error.detail?.match(/Key \(([^)]+)\)/)?.at(1)?.split(', ');
  const quoted = () => error.message?.split(' ').at(1)?.split('"').at(1);
  const base = { originalCode: error.code, originalMessage: error.message };
  switch (error.code) {
    case '22001':
      return { ...base, kind: 'LengthMismatch', column: error.column };
    case '22003':
      return { ...base, kind: 'ValueOutOfRange', cause: error.message ?? '' };
    case '23505': {
      const fields = keyFields();
      return { ...base, kind: 'UniqueConstraintViolation', constraint: fields ? { fields } : undefined };
    }
    case '23502': {
      const fields = keyFields();
      return { ...base, kind: 'NullConstraintViolation', constraint: fields ? { fields } : undefined };
    }
    case '23503': {
      const constraint = error.column ? { fields: [error.column] } : error.constraint ? { index: error.constraint } : undefined;
      return { ...base, kind: 'ForeignKeyConstraintViolation', constraint };
    }
    case '40001':
      return { ...base, kind: 'TransactionWriteConflict' };
    case '42P01':
      return { ...base, kind: 'TableDoesNotExist', table: quoted() };
    case '42703':
      return { ...base, kind: 'ColumnNotFound', column: quoted() };
    default:
      return {
        kind: 'postgres',
        code: error.code ?? 'N/A',
        severity: error.severity ?? 'N/A',
        message: error.message ?? '',
        detail: error.detail,
        column: error.column,
        hint: error.hint,
      };
  }
}

let timersUnrefed = false;

/**
 * Lets a short-lived process (the Prisma CLI) exit once its work is done although WebAssembly
 * engines still hold timers: Postgres inside PGlite re-arms a 10 s idle-stats timer after every
 * query (emscripten `setitimer` → `setTimeout`), and Prisma's wasm schema engine leaves a 10 s
 * timeout behind after `migrate deploy`. Neither guards work in flight (that always waits on a
 * socket or a promise chain of its own), so timers created from wasm stop holding the process
 * open. Process-wide: call it from CLI entry points only.
 */
export function unrefWasmTimers(): void {
  if (timersUnrefed) return;
  timersUnrefed = true;
  const original = globalThis.setTimeout;
  const patched = (...args: Parameters<typeof setTimeout>) => {
    const timer = original(...args);
    if (new Error().stack?.includes('wasm://')) timer.unref();
    return timer;
  };
  globalThis.setTimeout = Object.assign(patched, original) as typeof setTimeout;
}
