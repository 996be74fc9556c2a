import type { PrismaClient } from './generated/prisma/client.js';

/**
 * Many rows read as one JSON document (`json_agg` of one array per row) instead of one result row
 * each. The embedded database hands every row and column of a result across PGlite's WebAssembly
 * boundary and the wire one at a time, so wide or long results cost far more than the query: the
 * 1,002 runs of a sweep took 72 ms through Prisma and 30 ms this way, the query itself 4 ms
 * (bench/runs-explorer data). PostgreSQL serves the same SQL.
 *
 * `columns` maps each output name to its SQL expression (at most 100, json_build_array's limit);
 * values come back as JSON gives them: select timestamps with `timestampSql` and read them with
 * `jsonTimestamp`, read floats that may be NaN or infinite with `jsonFloat`. `columns`, `from`
 * and `orderBy` are SQL written by the caller (never user text); values are bound parameters.
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

/**
 * A `timestamp` column (UTC without a zone, Prisma's convention) as milliseconds since 1970: JSON
 * would give its text, whose form changes with the year (`10000-…`, `… BC`).
 */
export function timestampSql(expr: string): string {
  return `(extract(epoch FROM ${expr}) * 1000)::float8`;
}

/** What `timestampSql` selected → a Date (null stays null). */
export function jsonTimestamp(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  const date = new Date(Number(value));
  if (Number.isNaN(date.getTime())) throw new Error(`timestamp ${JSON.stringify(value)} is not a date JavaScript can hold`);
  return date;
}

/** A float column as JSON gives it (NaN and ±Infinity as strings) → the number Prisma would return. */
export function jsonFloat(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
