/**
 * SQL for the runs explorer (`GET /api/runs`): filters, sorts and group-bys over run columns and
 * `config.<path>` fields, built from a closed field catalogue so that no user text ever becomes
 * SQL (values are bound parameters; field names are looked up, never interpolated).
 *
 * Hand-written SQL rather than Prisma's query builder because Prisma cannot sort or group by a
 * JSON path, cast a JSON field to a number for sorting, or compute a sample standard deviation;
 * the statements are plain PostgreSQL and run unchanged on PGlite.
 */
import { invalidInput, RUN_METRICS, type ListRunsQuery, type RunFilter } from '@agiqa/contracts';

type Kind = 'text' | 'number' | 'date' | 'json' | 'tags';

interface FieldSql {
  /** SQL expression over `r` (Run), `s` (Sweep), `d` (Dataset). */
  expr: string;
  kind: Kind;
}

/** A non-finite float (a diverged run) reads as NULL: never averaged, sorted last. */
const finite = (column: string) => `NULLIF(NULLIF(NULLIF(${column}, 'NaN'::float8), 'Infinity'::float8), '-Infinity'::float8)`;

const COLUMNS: Record<string, FieldSql> = {
  id: { expr: 'r."id"', kind: 'text' },
  cellKey: { expr: 'r."cellKey"', kind: 'text' },
  status: { expr: 'r."status"::text', kind: 'text' },
  sweep: { expr: 'r."sweepId"', kind: 'text' },
  sweepName: { expr: 's."name"', kind: 'text' },
  dataset: { expr: 'd."name"', kind: 'text' },
  method: { expr: 'r."method"::text', kind: 'text' },
  textEncoder: { expr: 'r."textEncoder"', kind: 'text' },
  imageEncoder: { expr: 'r."imageEncoder"', kind: 'text' },
  fusion: { expr: 'r."fusion"', kind: 'text' },
  splitRepeat: { expr: 'r."splitRepeat"', kind: 'number' },
  seed: { expr: 'r."seed"', kind: 'number' },
  trainingMode: { expr: 'r."trainingMode"::text', kind: 'text' },
  reportRule: { expr: 'r."reportRule"::text', kind: 'text' },
  backend: { expr: 'r."backend"', kind: 'text' },
  epochs: { expr: `(r."config"->>'epochs')`, kind: 'json' },
  epochsDone: { expr: 'r."epochsDone"', kind: 'number' },
  reportedEpoch: { expr: 'r."reportedEpoch"', kind: 'number' },
  srcc: { expr: finite('r."srcc"'), kind: 'number' },
  plcc: { expr: finite('r."plcc"'), kind: 'number' },
  plccLogistic: { expr: finite('r."plccLogistic"'), kind: 'number' },
  krcc: { expr: finite('r."krcc"'), kind: 'number' },
  rmse: { expr: finite('r."rmse"'), kind: 'number' },
  createdAt: { expr: 'r."createdAt"', kind: 'date' },
  finishedAt: { expr: 'r."finishedAt"', kind: 'date' },
  tag: { expr: 'r."tags"', kind: 'tags' },
};

/** A JSON text that is a number, as float8; anything else NULL (no cast error on "abc"). */
const asNumber = (expr: string) => `(CASE WHEN ${expr} ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' THEN (${expr})::float8 END)`;

export function fieldSql(field: string): FieldSql {
  const column = COLUMNS[field];
  if (column) return column;
  if (field.startsWith('config.')) {
    // Validated by RunFieldNameSchema: identifiers separated by dots, nothing to escape.
    const path = field.slice('config.'.length).split('.');
    return { expr: `(r."config" #>> '{${path.join(',')}}')`, kind: 'json' };
  }
  throw invalidInput(`unknown field "${field}"`);
}

/** Collects bound parameters: `$1`, `$2`… in order of appearance. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const isNumeric = (v: string) => v.trim() !== '' && Number.isFinite(Number(v));

function condition(filter: RunFilter, params: Params): string {
  const { expr, kind } = fieldSql(filter.field);
  const { op, values } = filter;
  if (kind === 'tags') {
    if (op === '~') return `EXISTS (SELECT 1 FROM unnest(${expr}) t WHERE t ILIKE ${params.add(`%${escapeLike(values[0])}%`)})`;
    if (op !== '=' && op !== '!=') throw invalidInput(`filter tag${op}…: tags take = (any of a|b), != or ~`);
    const overlap = `${expr} && ${params.add(values)}::text[]`;
    return op === '=' ? overlap : `NOT (${overlap})`;
  }
  if (op === '~') return `${expr}::text ILIKE ${params.add(`%${escapeLike(values[0])}%`)}`;
  if (op === '=' || op === '!=') {
    const numeric = (kind === 'number' || kind === 'json') && values.every(isNumeric);
    if (kind === 'number' && !numeric) throw invalidInput(`filter ${filter.field}${op}${values.join('|')}: ${filter.field} is a number`);
    const any = numeric
      ? `${kind === 'json' ? asNumber(expr) : expr} = ANY(${params.add(values.map(Number))}::float8[])`
      : `${expr}::text = ANY(${params.add(values)}::text[])`;
    return op === '=' ? `COALESCE(${any}, false)` : `NOT COALESCE(${any}, false)`;
  }
  const value = values[0];
  if (kind === 'date') return `${expr} ${op} ${params.add(value)}::timestamptz`;
  if (kind === 'text') throw invalidInput(`filter ${filter.field}${op}${value}: ${filter.field} is text; use = or ~`);
  return `${kind === 'json' ? asNumber(expr) : expr} ${op} ${params.add(Number(value))}::float8`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The WHERE clause shared by the list and the groups. */
export function whereSql(query: Pick<ListRunsQuery, 'filter' | 'archived'>, params: Params): string {
  const conditions = (query.filter ?? []).map((f) => condition(f, params));
  const archived = '(r."archivedAt" IS NOT NULL OR s."archivedAt" IS NOT NULL)';
  if (query.archived === 'exclude') conditions.push(`NOT ${archived}`);
  if (query.archived === 'only') conditions.push(archived);
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}

/** Numbers sort as numbers (a JSON field that holds numbers too); missing values last. */
function sortExpr(field: string): string[] {
  const { expr, kind } = fieldSql(field);
  if (kind === 'tags') throw invalidInput('sort by tag is not supported; filter by tag instead');
  return kind === 'json' ? [asNumber(expr), expr] : [expr];
}

export function orderSql(sort: ListRunsQuery['sort']): string {
  const keys = sort && sort.length > 0 ? sort : [{ field: 'createdAt', desc: true }];
  const parts = keys.flatMap(({ field, desc }) => sortExpr(field).map((e) => `${e} ${desc ? 'DESC' : 'ASC'} NULLS LAST`));
  // A stable order across pages: ties broken by id.
  return `ORDER BY ${[...parts, 'r."id" ASC'].join(', ')}`;
}

const FROM = 'FROM "Run" r JOIN "Sweep" s ON s."id" = r."sweepId" JOIN "Dataset" d ON d."id" = r."datasetId"';

/** One page of run ids in order, with the number of runs matching over all pages. */
export function listSql(query: ListRunsQuery): { text: string; values: unknown[] } {
  const params = new Params();
  const where = whereSql(query, params);
  const text = `SELECT r."id" AS id, count(*) OVER () AS total ${FROM} ${where} ${orderSql(query.sort)} LIMIT ${params.add(query.limit)} OFFSET ${params.add(query.offset)}`;
  return { text, values: params.values };
}

export function countSql(query: ListRunsQuery): { text: string; values: unknown[] } {
  const params = new Params();
  return { text: `SELECT count(*) AS total ${FROM} ${whereSql(query, params)}`, values: params.values };
}

/**
 * Groups of runs by `groupBy` fields with, per metric, mean, sample std and n over the runs that
 * have it; sorted by a grouped field, a metric (its mean) or `runs`; paginated.
 */
export function groupSql(query: ListRunsQuery & { groupBy: string[] }): { text: string; values: unknown[] } {
  const params = new Params();
  const where = whereSql(query, params);
  const keys = query.groupBy.map((field) => {
    const { expr, kind } = fieldSql(field);
    if (kind === 'tags') throw invalidInput('group by tag is not supported; filter by tag instead');
    return `${expr}::text`;
  });
  const metricCols = RUN_METRICS.flatMap((m) => {
    const e = COLUMNS[m].expr;
    return [`avg(${e}) AS "${m}_mean"`, `stddev_samp(${e}) AS "${m}_std"`, `count(${e}) AS "${m}_n"`];
  });
  const select = [
    ...keys.map((k, i) => `${k} AS g${i}`),
    'count(*) AS runs',
    `count(*) FILTER (WHERE r."status" = 'completed') AS completed`,
    ...metricCols,
    // Listing 10,000 ids costs half a grouped page's time on the embedded database: only when asked.
    query.groupRunIds > 0 ? `(array_agg(r."id" ORDER BY r."createdAt", r."id"))[1:${params.add(query.groupRunIds)}::int] AS "runIds"` : `ARRAY[]::text[] AS "runIds"`,
    'count(*) OVER () AS total',
  ];
  const order = (query.sort ?? []).map(({ field, desc }) => {
    const dir = `${desc ? 'DESC' : 'ASC'} NULLS LAST`;
    if ((RUN_METRICS as readonly string[]).includes(field)) return `"${field}_mean" ${dir}`;
    const index = query.groupBy.indexOf(field);
    if (index < 0) throw invalidInput(`sort ${field}: groups sort by a grouped field (${query.groupBy.join(', ')}) or a metric (${RUN_METRICS.join(', ')})`);
    const { kind } = fieldSql(field);
    return kind === 'number' || kind === 'json' ? `${asNumber(keys[index])} ${dir}, ${keys[index]} ${dir}` : `${keys[index]} ${dir}`;
  });
  const defaultOrder = keys.map((k) => `${asNumber(k)} ASC NULLS LAST, ${k} ASC NULLS LAST`);
  const text =
    `SELECT ${select.join(', ')} ${FROM} ${where} GROUP BY ${keys.join(', ')} ` +
    `ORDER BY ${[...order, ...defaultOrder].join(', ')} LIMIT ${params.add(query.limit)} OFFSET ${params.add(query.offset)}`;
  return { text, values: params.values };
}
