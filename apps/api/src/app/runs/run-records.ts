import type { MethodName, ReportRule } from '@agiqa/contracts';
import { toDbMethod, toDbReportRule, type PrismaClient } from '@agiqa/db';
import type { RunRecord } from './run-summary.js';

/**
 * Run rows read as one JSON document (`json_agg`) rather than one result row per run. The embedded
 * database hands each row and column of a result across PGlite's WebAssembly boundary and the wire
 * one at a time: the 1,002 runs of a sweep cost 56 ms as rows (through Prisma or raw) and 21 ms as
 * one JSON text parsed here, the query itself taking 4 ms (10,000 seeded runs, bench/runs-explorer
 * data). What a run summary and an explorer row show, with the names of its sweep and dataset.
 */
export interface RunRecordWithNames extends RunRecord {
  dataset: string;
  sweepName: string;
  /** The sweep grid's `epochs` (a run's own `config.epochs` takes precedence, see toRunSummary). */
  gridEpochs: number;
  tags: string[];
  note: string | null;
  archived: boolean;
  createdAt: Date;
}

/** Columns of `Run` read as they are (names as in the Prisma schema). */
const RUN_COLUMNS = [
  'id', 'sweepId', 'cellKey', 'method', 'textEncoder', 'imageEncoder', 'fusion', 'splitRepeat', 'seed', 'config',
  'trainingMode', 'reportRule', 'status', 'attempts', 'backend', 'engine', 'engineVersion', 'device', 'deviceName',
  'dtype', 'epochsDone', 'reportedEpoch', 'srcc', 'plcc', 'plccLogistic', 'krcc', 'rmse', 'error', 'startedAt',
  'finishedAt', 'tags', 'note', 'createdAt',
] as const satisfies readonly (keyof RunRecordWithNames)[];

const METRICS = ['srcc', 'plcc', 'plccLogistic', 'krcc', 'rmse'] as const;

/** What each run's JSON array holds, in order: the columns, then the joined names and flags. */
const FIELDS = [...RUN_COLUMNS, 'dataset', 'sweepName', 'gridEpochs', 'archived'] as const;

// An array per run rather than an object: the names would be repeated in every run's text.
const ARRAY_SQL = `json_build_array(${[
  ...RUN_COLUMNS.map((c) => `r."${c}"`),
  'd."name"',
  's."name"',
  `s."grid"->'epochs'`,
  '(r."archivedAt" IS NOT NULL OR s."archivedAt" IS NOT NULL)',
].join(', ')})`;

/**
 * The runs that `where` (SQL over `r` Run, `s` Sweep, `d` Dataset, with `$1`… bound to `values`)
 * selects, in `orderBy`'s order.
 */
export async function readRunRecords(prisma: PrismaClient, where: string, values: unknown[], orderBy = 'r."cellKey"'): Promise<RunRecordWithNames[]> {
  const [row] = await prisma.$queryRawUnsafe<{ runs: string | null }[]>(
    `SELECT json_agg(${ARRAY_SQL} ORDER BY ${orderBy})::text AS runs FROM "Run" r JOIN "Sweep" s ON s."id" = r."sweepId" JOIN "Dataset" d ON d."id" = r."datasetId" WHERE ${where}`,
    ...values,
  );
  const runs = JSON.parse(row?.runs ?? '[]') as unknown[][];
  return runs.map((values) => fromJson(Object.fromEntries(FIELDS.map((field, i) => [field, values[i]]))));
}

/**
 * JSON gives timestamps without a zone (the columns hold UTC, Prisma's convention), non-finite
 * floats as the strings "NaN" / "Infinity", and enums as stored (`fusion-head`, the contracts'
 * spelling): all back to what Prisma would have returned.
 */
function fromJson(run: Record<string, unknown>): RunRecordWithNames {
  const date = (value: unknown) => (typeof value === 'string' ? new Date(`${value}Z`) : null);
  const metrics = Object.fromEntries(METRICS.map((m) => [m, run[m] === null ? null : Number(run[m])]));
  const enums = { method: toDbMethod(run['method'] as MethodName), reportRule: toDbReportRule(run['reportRule'] as ReportRule) };
  return { ...run, ...metrics, ...enums, startedAt: date(run['startedAt']), finishedAt: date(run['finishedAt']), createdAt: date(run['createdAt']) } as RunRecordWithNames;
}
