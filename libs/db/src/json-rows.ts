import type { PrismaClient } from './generated/prisma/client.js';

/**
 * Many rows read as one JSON document (`json_agg` of one array per row) instead of one result row
 * each. The embedded database hands every row and column of a result across PGlite's WebAssembly
 * boundary and the wire one at a time, so wide or long results cost far more than the query: the
 * 1,002 runs of a sweep took 72 ms through Prisma and 30 ms this way, the query itself 4 ms
 * (bench/runs-explorer data). PostgreSQL serves the same SQL.
 *
 * `columns` maps each output name to its SQL expression (at most 100, json_build_array's limit);
 * values come back as JSON gives them: read timestamps with `jsonTimestamp`, floats that may be
 * NaN or infinite with `jsonFloat`.
 */
export async function queryJsonRows(
  prisma: PrismaClient,
  query: { columns: Record<string, string>; from: string; orderBy: string; values: readonly unknown[] },
): Promise<Record<string, unknown>[]> {
  const names = Object.keys(query.columns);
  const [result] = await prisma.$queryRawUnsafe<{ rows: string | null }[]>(
    `SELECT json_agg(json_build_array(${Object.values(query.columns).join(', ')}) ORDER BY ${query.orderBy})::text AS "rows" ${query.from}`,
    ...query.values,
  );
  const rows = JSON.parse(result?.rows ?? '[]') as unknown[][];
  return rows.map((values) => Object.fromEntries(names.map((name, i) => [name, values[i]])));
}

/** A `timestamp` column (UTC without a zone, Prisma's convention) as JSON gives it → a Date. */
export function jsonTimestamp(value: unknown): Date | null {
  return typeof value === 'string' ? new Date(`${value}Z`) : null;
}

/** A float column as JSON gives it (NaN and ±Infinity as strings) → the number Prisma would return. */
export function jsonFloat(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
