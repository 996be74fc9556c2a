import {
  canonicalJson,
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
import { settingFields, settingRef, textModelOverride } from './settings.js';

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
 * Completed runs that are not archived (optionally of some datasets, of one sweep, or by id), oldest finished first, each
 * with its setting. Settings are built once per distinct (config, format, engine).
 */
export async function loadTableRuns(
  prisma: PrismaClient,
  where: { datasetIds?: string[]; sweepId?: string; runIds?: string[] },
  plcc: PlccVariant,
): Promise<TableRun[]> {
  const filter: Prisma.RunWhereInput = { status: 'completed', ...NOT_ARCHIVED };
  if (where.datasetIds) filter.datasetId = { in: where.datasetIds };
  if (where.sweepId) filter.sweepId = where.sweepId;
  if (where.runIds) filter.id = { in: where.runIds };
  const rows = await prisma.run.findMany({
    where: filter,
    select: {
      id: true,
      textEncoder: true,
      fusion: true,
      imageEncoder: true,
      seed: true,
      splitRepeat: true,
      srcc: true,
      plcc: true,
      plccLogistic: true,
      reportRule: true,
      config: true,
      engine: true,
      finishedAt: true,
      dataset: { select: { id: true, name: true, format: true } },
      sweep: { select: { id: true, name: true, status: true } },
    },
    orderBy: [{ finishedAt: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
  });
  const settings = new Map<string, SettingRef>();
  return rows.map((row) => {
    const format = toFormat(row.dataset.format);
    const config = asRecord(row.config);
    const method = typeof config['method'] === 'string' ? config['method'] : DEFAULT_METHOD;
    // The engine that trained the run (not the grid's `trainer: auto`): tfjs and torch runs are different implementations.
    const fields = settingFields(config, format, { engine: row.engine });
    // Whether a setting is the paper's protocol depends on the method (a zero-shot method has no epochs).
    const key = canonicalJson([method, fields]);
    let setting = settings.get(key);
    if (!setting) {
      setting = settingRef(fields, method);
      settings.set(key, setting);
    }
    const split = asRecord(config['split']);
    return {
      runId: row.id,
      sweep: { id: row.sweep.id, name: row.sweep.name, status: row.sweep.status },
      dataset: { id: row.dataset.id, name: row.dataset.name, format },
      method,
      textEncoder: row.textEncoder,
      textModel: textModelOverride(config),
      fusion: row.fusion,
      imageEncoder: row.imageEncoder,
      setting,
      seed: row.seed,
      splitSeed: typeof split['seed'] === 'number' ? split['seed'] : 0,
      splitRepeat: row.splitRepeat,
      srcc: row.srcc,
      plcc: plcc === 'logistic' ? row.plccLogistic : row.plcc,
      optimistic: row.reportRule === 'best_on_test',
      inProgress: IN_PROGRESS.has(row.sweep.status),
      finishedAt: row.finishedAt,
    };
  });
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
  return canonicalJson([
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

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
