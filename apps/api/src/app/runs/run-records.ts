import type { MethodName, ReportRule } from '@agiqa/contracts';
import { jsonFloat, jsonTimestamp, queryJsonRows, timestampSql, toDbMethod, toDbReportRule, type PrismaClient } from '@agiqa/db';
import type { RunRecord } from './run-summary.js';

/**
 * What a run summary and an explorer row show, with the names of its sweep and dataset, read as
 * one JSON document (see `queryJsonRows`: a live sweep's 1,002 runs in 30 ms instead of 72 ms
 * through Prisma).
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

// Every field of a RunRecord is read: one added to RunRecord but not above fails to compile here.
type Unread = Exclude<keyof RunRecord, (typeof RUN_COLUMNS)[number]>;
const everyFieldRead: [Unread] extends [never] ? true : Unread = true;
void everyFieldRead;

const TIMESTAMPS = new Set<string>(['startedAt', 'finishedAt', 'createdAt']);

const COLUMNS: Record<string, string> = {
  ...Object.fromEntries(RUN_COLUMNS.map((c) => [c, TIMESTAMPS.has(c) ? timestampSql(`r."${c}"`) : `r."${c}"`])),
  dataset: 'd."name"',
  sweepName: 's."name"',
  gridEpochs: `s."grid"->'epochs'`,
  archived: '(r."archivedAt" IS NOT NULL OR s."archivedAt" IS NOT NULL)',
};

const FROM = 'FROM "Run" r JOIN "Sweep" s ON s."id" = r."sweepId" JOIN "Dataset" d ON d."id" = r."datasetId"';

/**
 * The runs that `where` (SQL over `r` Run, `s` Sweep, `d` Dataset, with `$1`… bound to `values`)
 * selects, in `orderBy`'s order.
 */
export async function readRunRecords(prisma: PrismaClient, where: string, values: unknown[], orderBy = 'r."cellKey"'): Promise<RunRecordWithNames[]> {
  const rows = await queryJsonRows(prisma, { columns: COLUMNS, from: `${FROM} WHERE ${where}`, orderBy, values });
  return rows.map(toRecord);
}

/** Back to what Prisma would have returned: dates, NaN, and enums in Prisma's spelling (stored as `fusion-head`). */
function toRecord(run: Record<string, unknown>): RunRecordWithNames {
  return {
    ...run,
    srcc: jsonFloat(run['srcc']),
    plcc: jsonFloat(run['plcc']),
    plccLogistic: jsonFloat(run['plccLogistic']),
    krcc: jsonFloat(run['krcc']),
    rmse: jsonFloat(run['rmse']),
    method: toDbMethod(run['method'] as MethodName),
    reportRule: toDbReportRule(run['reportRule'] as ReportRule),
    startedAt: jsonTimestamp(run['startedAt']),
    finishedAt: jsonTimestamp(run['finishedAt']),
    createdAt: jsonTimestamp(run['createdAt']),
  } as RunRecordWithNames;
}
