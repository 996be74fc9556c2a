// Self-contained on purpose (package imports only): prisma.config.ts loads this file directly.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

const NAME_OID = 19;
const TEXT_OID = 25;

/**
 * `@prisma/adapter-pg` for a node-postgres pool, reporting columns of Postgres' `name` type as
 * `text`. adapter-pg 6.19 has no column type for `name` and fails any result holding one ("Column
 * type 'name' could not be deserialized"): catalog queries (`SELECT current_schema()`, Prisma's
 * own `migrate deploy` bookkeeping) return `name`. Its values are plain strings either way.
 */
export function createPgAdapter(pool: pg.Pool): PrismaPg {
  pool.on('connect', (client) => reportNameAsText(client));
  return new PrismaPg(pool);
}

type Callback = (error: Error | null, result: unknown) => void;

function reportNameAsText(client: pg.ClientBase): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const patched = (...args: unknown[]): unknown => {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const callback = last as Callback;
      args[args.length - 1] = (error: Error | null, result: unknown) => callback(error, error ? result : retype(result));
      return query(...args);
    }
    const out = query(...args);
    return out instanceof Promise ? out.then(retype) : out;
  };
  Object.assign(client, { query: patched });
}

function retype(result: unknown): unknown {
  for (const one of Array.isArray(result) ? result : [result]) {
    const fields = (one as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
    for (const field of fields ?? []) if (field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
  }
  return result;
}
