import {
  DATASET_FORMATS,
  type DatasetFormat,
  type Exclusions,
  type InProgressMode,
  type PlccVariant,
  type SettingRef,
  type SweepRef,
  type SweepStatus,
} from '@agiqa/contracts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { jsonFloat, jsonTimestamp, queryJsonRows, timestampSql } from '../json-rows.js';
import { settingFields, settingRef } from './settings.js';

/** A registered dataset as the tables refer to it. */
export interface DatasetRef {
  id: string;
  name: string;
  format: DatasetFormat;
}

/**
 * One completed run as the tables see it: where it sits (dataset, method, row, column), its
 * setting, its replicate coordinates and its headline numbers (PLCC in the variant asked for).
 */
export interface TableRun {
  runId: string;
  sweep: SweepRef;
  dataset: DatasetRef;
  /** `fusion-head` (a trained head; runs from before methods existed) or a method that needs no training (`clip-iqa`). */
  method: string;
  /** Null for methods without a text encoder or fusion (`clip-iqa`). */
  textEncoder: string | null;
  /** The text encoder's model override for this run, if the grid had one (part of the row). */
  textModel: string | null;
  fusion: string | null;
  imageEncoder: string;
  setting: SettingRef;
  /** Training seed; null for methods without training. */
  seed: number | null;
  splitSeed: number;
  splitRepeat: number;
  srcc: number | null;
  plcc: number | null;
  /** Its epoch was selected on the test set (`best-on-test`). */
  optimistic: boolean;
  /** Its sweep is still pending or running. */
  inProgress: boolean;
  finishedAt: Date | null;
}

/**
 * Runs and sweeps archived in the runs explorer are out of every table (nothing is deleted:
 * unarchiving brings them back). A run counts only while neither it nor its sweep is archived.
 */
export const NOT_ARCHIVED = { archivedAt: null, sweep: { archivedAt: null } } satisfies Prisma.RunWhereInput;

/** The method of runs whose config names none (rows from before grids had `methods`). */
export const DEFAULT_METHOD = 'fusion-head';
/** Methods whose runs train something, so that the seed makes a replicate. */
const TRAINED_METHODS = new Set([DEFAULT_METHOD]);
const IN_PROGRESS: ReadonlySet<SweepStatus> = new Set(['pending', 'running']);

/**
 * Config keys that differ between the cells of one grid and that `settingFields` leaves out of
 * the setting (see settings.ts): removed before configs are compared, so that the runs of a sweep
 * share one setting computation. Every key here must be one `settingFields` ignores (tested).
 */
export const PER_CELL_CONFIG_KEYS = ['dataset', 'textEncoder', 'fusion', 'splitRepeat', 'seed'] as const;

/** One row of `TABLE_RUNS_SQL`. */
interface TableRunRow {
  id: string;
  datasetId: string;
  sweepId: string;
  method: string;
  textEncoder: string | null;
  textModel: string | null;
  fusion: string | null;
  imageEncoder: string;
  seed: number | null;
  splitSeed: number | null;
  splitRepeat: number;
  srcc: number | null;
  plcc: number | null;
  plccLogistic: number | null;
  /** Its epoch was selected on the test set (`best_on_test`, stored as `best-on-test`: the enum's database name). */
  optimistic: boolean;
  engine: string | null;
  finishedAt: Date | null;
  /** MD5 of the config without `PER_CELL_CONFIG_KEYS`: equal for runs whose configs differ only there. */
  configKey: string;
  /** The whole config, on the first row of each `configKey` only (null on the others). */
  config: unknown;
}

/**
 * Completed, unarchived runs with what the tables read from each config computed in SQL (method,
 * text model override, split seed; the rules of `textModelOverride` and `loadTableRuns`), and each
 * config sent once per distinct `configKey` instead of once per run: with 10,000 runs, fetching and
 * parsing every config and building its setting was most of Table 1's time. Read through
 * `queryJsonRows` (one JSON document rather than 10,000 result rows), ordered by `TABLE_RUNS_ORDER`.
 */
const TABLE_RUNS_SQL = `
  SELECT r."id", r."datasetId", r."sweepId",
         CASE WHEN jsonb_typeof(r."config"->'method') = 'string' THEN r."config"->>'method' ELSE '${DEFAULT_METHOD}' END AS "method",
         r."textEncoder",
         CASE WHEN jsonb_typeof(r."config"->'textEncoder') = 'string'
                   AND jsonb_typeof(r."config"->'modelOverrides'->(r."config"->>'textEncoder')) = 'string'
              THEN r."config"->'modelOverrides'->>(r."config"->>'textEncoder') END AS "textModel",
         r."fusion", r."imageEncoder", r."seed",
         CASE WHEN jsonb_typeof(r."config"->'split'->'seed') = 'number' THEN (r."config"->'split'->>'seed')::float8 END AS "splitSeed",
         r."splitRepeat", r."srcc", r."plcc", r."plccLogistic",
         r."reportRule" = 'best-on-test' AS "optimistic", r."engine", r."finishedAt", r."createdAt",
         k."configKey",
         CASE WHEN row_number() OVER (PARTITION BY k."configKey" ORDER BY r."id") = 1 THEN r."config" END AS "config"
    FROM "Run" r
    JOIN "Sweep" s ON s."id" = r."sweepId"
    CROSS JOIN LATERAL (
      SELECT md5(CASE WHEN jsonb_typeof(r."config") = 'object' THEN (r."config" - $1::text[])::text ELSE '{}' END) AS "configKey"
    ) k
   WHERE r."status" = 'completed' AND r."archivedAt" IS NULL AND s."archivedAt" IS NULL
     AND ($2::text[] IS NULL OR r."datasetId" = ANY($2::text[]))
     AND ($3::text IS NULL OR r."sweepId" = $3::text)
     AND ($4::text[] IS NULL OR r."id" = ANY($4::text[]))`;

/** Oldest finished first (see `countOnce`). */
const TABLE_RUNS_ORDER = 't."finishedAt" ASC NULLS LAST, t."createdAt" ASC, t."id" ASC';

const TABLE_RUN_COLUMNS = [
  'id', 'datasetId', 'sweepId', 'method', 'textEncoder', 'textModel', 'fusion', 'imageEncoder', 'seed', 'splitSeed',
  'splitRepeat', 'srcc', 'plcc', 'plccLogistic', 'optimistic', 'engine', 'finishedAt', 'configKey', 'config',
] as const satisfies readonly (keyof TableRunRow)[];

async function readTableRunRows(prisma: PrismaClient, where: { datasetIds?: string[]; sweepId?: string; runIds?: string[] }): Promise<TableRunRow[]> {
  const rows = await queryJsonRows(prisma, {
    columns: Object.fromEntries(TABLE_RUN_COLUMNS.map((c) => [c, c === 'finishedAt' ? timestampSql(`t."${c}"`) : `t."${c}"`])),
    from: `FROM (${TABLE_RUNS_SQL}) t`,
    orderBy: TABLE_RUNS_ORDER,
    values: [[...PER_CELL_CONFIG_KEYS], where.datasetIds ?? null, where.sweepId ?? null, where.runIds ?? null],
  });
  return rows.map((row) => ({
    ...row,
    splitSeed: jsonFloat(row['splitSeed']),
    srcc: jsonFloat(row['srcc']),
    plcc: jsonFloat(row['plcc']),
    plccLogistic: jsonFloat(row['plccLogistic']),
    finishedAt: jsonTimestamp(row['finishedAt']),
  }) as TableRunRow);
}

/**
 * Completed runs that are not archived (optionally of some datasets, of one sweep, or by id), oldest finished first, each
 * with its setting. Settings are built once per distinct (config without its cell, format, engine, method).
 */
export async function loadTableRuns(
  prisma: PrismaClient,
  where: { datasetIds?: string[]; sweepId?: string; runIds?: string[] },
  plcc: PlccVariant,
): Promise<TableRun[]> {
  const rows = await readTableRunRows(prisma, where);
  const [datasets, sweeps] = await Promise.all([datasetRefs(prisma, rows), sweepRefs(prisma, rows)]);
  const configs = new Map(rows.filter((row) => row.config !== null).map((row) => [row.configKey, row.config]));
  const settings = new Map<string, SettingRef>();
  return rows.map((row) => {
    const dataset = datasets.get(row.datasetId) as DatasetRef;
    const sweep = sweeps.get(row.sweepId) as SweepRef;
    // The engine that trained the run (not the grid's `trainer: auto`): tfjs and torch runs are different implementations.
    // Whether a setting is the paper's protocol depends on the method (a zero-shot method has no epochs).
    const key = JSON.stringify([row.configKey, dataset.format, row.engine, row.method]);
    let setting = settings.get(key);
    if (!setting) {
      setting = settingRef(settingFields(configs.get(row.configKey), dataset.format, { engine: row.engine }), row.method);
      settings.set(key, setting);
    }
    return {
      runId: row.id,
      sweep,
      dataset,
      method: row.method,
      textEncoder: row.textEncoder,
      textModel: row.textModel,
      fusion: row.fusion,
      imageEncoder: row.imageEncoder,
      setting,
      seed: row.seed,
      splitSeed: row.splitSeed ?? 0,
      splitRepeat: row.splitRepeat,
      srcc: row.srcc,
      plcc: plcc === 'logistic' ? row.plccLogistic : row.plcc,
      optimistic: row.optimistic,
      inProgress: IN_PROGRESS.has(sweep.status),
      finishedAt: row.finishedAt,
    };
  });
}

async function datasetRefs(prisma: PrismaClient, rows: TableRunRow[]): Promise<Map<string, DatasetRef>> {
  const ids = [...new Set(rows.map((r) => r.datasetId))];
  const found = await prisma.dataset.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, format: true } });
  return new Map(found.map((d) => [d.id, { id: d.id, name: d.name, format: toFormat(d.format) }]));
}

async function sweepRefs(prisma: PrismaClient, rows: TableRunRow[]): Promise<Map<string, SweepRef>> {
  const ids = [...new Set(rows.map((r) => r.sweepId))];
  const found = await prisma.sweep.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, status: true } });
  return new Map(found.map((s) => [s.id, { id: s.id, name: s.name, status: s.status }]));
}

/** Of these run ids, those archived themselves or through their sweep. */
export async function archivedRunIds(prisma: PrismaClient, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await prisma.run.findMany({
    where: { id: { in: ids }, OR: [{ archivedAt: { not: null } }, { sweep: { archivedAt: { not: null } } }] },
    select: { id: true },
  });
  return new Set(rows.map((r) => r.id));
}

/**
 * What identifies a replicate within a setting: dataset, method, row, column, and the
 * replicate's seed (trained methods only: a zero-shot method gives the same numbers whatever the
 * training seed), split seed and split repeat.
 */
export function replicateKey(run: TableRun, withSetting = true): string {
  // An array of primitives: JSON.stringify is canonical for it (and much cheaper than canonicalJson).
  return JSON.stringify([
    run.dataset.id,
    withSetting ? run.setting.id : null,
    run.method,
    run.textEncoder,
    run.textModel,
    run.fusion,
    TRAINED_METHODS.has(run.method) ? run.seed : null,
    run.splitSeed,
    run.splitRepeat,
  ]);
}

/** A run's row label: its text encoder, with the model override when the grid had one (`bert-base @ /models/x`); the method for methods without one. */
export function rowName(run: Pick<TableRun, 'textEncoder' | 'textModel' | 'method'>): string {
  const encoder = run.textEncoder ?? run.method;
  return run.textModel ? `${encoder} @ ${run.textModel}` : encoder;
}

/** Runs of sweeps still in progress are left out (and counted) unless they were asked for. */
export function applyInProgress(runs: TableRun[], mode: InProgressMode): { kept: TableRun[]; excluded: number } {
  if (mode === 'include') return { kept: runs, excluded: 0 };
  const kept = runs.filter((r) => !r.inProgress);
  return { kept, excluded: runs.length - kept.length };
}

/**
 * One run per replicate: the newest finished (runs arrive oldest first), so a re-run of an
 * identical cell replaces the earlier result instead of counting as another replicate. Then
 * replicates whose SRCC or chosen PLCC is missing or not finite are left out, so no figure is NaN.
 */
export function countOnce(runs: TableRun[]): { kept: TableRun[]; duplicates: number; nonFinite: number } {
  const newest = new Map<string, TableRun>();
  for (const run of runs) newest.set(replicateKey(run), run);
  const unique = [...newest.values()];
  const kept = unique.filter((r) => isFiniteNumber(r.srcc) && isFiniteNumber(r.plcc));
  return { kept, duplicates: runs.length - unique.length, nonFinite: unique.length - kept.length };
}

export function noExclusions(): Exclusions {
  return { duplicates: 0, inProgress: 0, nonFinite: 0 };
}

export function addExclusions(a: Exclusions, b: Exclusions): Exclusions {
  return { duplicates: a.duplicates + b.duplicates, inProgress: a.inProgress + b.inProgress, nonFinite: a.nonFinite + b.nonFinite };
}

function isFiniteNumber(value: number | null): value is number {
  return value !== null && Number.isFinite(value);
}

function toFormat(format: string): DatasetFormat {
  return (DATASET_FORMATS as readonly string[]).includes(format) ? (format as DatasetFormat) : 'manifest';
}
