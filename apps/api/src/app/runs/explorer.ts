import { RUN_METRICS, type ListRunsQuery, type RunGroup, type RunList, type RunRow } from '@agiqa/contracts';
import type { PrismaClient } from '@agiqa/db';
import { countSql, groupSql, listSql } from './run-query.js';
import { readRunRecords } from './run-records.js';
import { toRunSummary } from './run-summary.js';

/**
 * `GET /api/runs`: one page of runs (or of groups with `groupBy`) matching the filters, in the
 * asked order. Two queries for a page of runs: the ids in order (SQL, see run-query.ts), then the
 * rows by id (one JSON document, see run-records.ts); one for a page of groups.
 */
export async function listRuns(prisma: PrismaClient, query: ListRunsQuery): Promise<RunList> {
  if (query.groupBy && query.groupBy.length > 0) return listGroups(prisma, { ...query, groupBy: query.groupBy });
  const { text, values } = listSql(query);
  const page = await prisma.$queryRawUnsafe<{ id: string; total: bigint }[]>(text, ...values);
  const total = page.length > 0 ? Number(page[0].total) : await countRuns(prisma, query);
  const ids = page.map((row) => row.id);
  const records = await readRunRecords(prisma, 'r."id" = ANY($1::text[])', [ids]);
  const byId = new Map(records.map((r) => [r.id, r]));
  const items: RunRow[] = ids.flatMap((id) => {
    const run = byId.get(id);
    if (!run) return []; // deleted between the two queries
    return [
      {
        ...toRunSummary(run, run.dataset, run.gridEpochs),
        sweepName: run.sweepName,
        tags: run.tags,
        note: run.note,
        archived: run.archived,
        createdAt: run.createdAt.toISOString(),
        config: asRecord(run.config),
      },
    ];
  });
  return { items, groups: null, total, limit: query.limit, offset: query.offset };
}

async function countRuns(prisma: PrismaClient, query: ListRunsQuery): Promise<number> {
  const { text, values } = countSql(query);
  const [row] = await prisma.$queryRawUnsafe<{ total: bigint }[]>(text, ...values);
  return Number(row?.total ?? 0);
}

type GroupRecord = Record<string, unknown> & { runs: bigint; completed: bigint; runIds: string[]; total: bigint };

async function listGroups(prisma: PrismaClient, query: ListRunsQuery & { groupBy: string[] }): Promise<RunList> {
  const { text, values } = groupSql(query);
  const rows = await prisma.$queryRawUnsafe<GroupRecord[]>(text, ...values);
  const groups: RunGroup[] = rows.map((row) => ({
    key: Object.fromEntries(query.groupBy.map((field, i) => [field, (row[`g${i}`] as string | null) ?? null])),
    runs: Number(row.runs),
    completed: Number(row.completed),
    metrics: Object.fromEntries(
      RUN_METRICS.map((m) => [m, { mean: finiteOrNull(row[`${m}_mean`]), std: finiteOrNull(row[`${m}_std`]), n: Number(row[`${m}_n`]) }]),
    ) as RunGroup['metrics'],
    runIds: row.runIds,
  }));
  const total = rows.length > 0 ? Number(rows[0].total) : await countGroups(prisma, query);
  return { items: [], groups, total, limit: query.limit, offset: query.offset };
}

async function countGroups(prisma: PrismaClient, query: ListRunsQuery & { groupBy: string[] }): Promise<number> {
  if (query.offset === 0) return 0;
  // Past the last page: count the groups with the first page's query.
  const { text, values } = groupSql({ ...query, offset: 0, limit: 1 });
  const [row] = await prisma.$queryRawUnsafe<GroupRecord[]>(text, ...values);
  return Number(row?.total ?? 0);
}

/** Postgres numerics come back as number, string (numeric) or null. */
function finiteOrNull(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
