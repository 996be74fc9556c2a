import { invalidInput, type Exclusions, type InProgressMode, type PlccVariant, type Selection, type SettingSelection, type SweepRef } from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';
import { applyInProgress, countOnce, loadTableRuns, type DatasetRef, type TableRun } from './replicates.js';
import { groupBy } from './group-by.js';

/** What a table asks for: where, which runs belong to it, and which setting. */
export interface ScopeRequest {
  datasets: DatasetRef[];
  /** Restrict to this sweep's runs (`?sweep=`). */
  sweep?: SweepRef;
  /** Show this setting (`?setting=`). */
  settingId?: string;
  /** Which runs the table is about (Table 1: trained heads; Tables 2 and 3: their measured methods). */
  belongs: (run: TableRun) => boolean;
  plcc: PlccVariant;
  inProgress: InProgressMode;
  /** Without `sweep` or `setting`: fall back to the latest run's setting when none follows the paper's protocol. */
  fallbackToLatest: boolean;
  /** A `settingId` without runs here is an error (Table 1); otherwise the scope is empty (Tables 2, 3 check all their scopes). */
  settingMustExist?: boolean;
}

/** The replicates a table aggregates: one setting, one run per replicate, finite metrics. */
export interface Scope {
  selection: Selection;
  replicates: TableRun[];
  excluded: Exclusions;
}

/**
 * The aggregation rule, once for every table: load the completed runs that belong to the table,
 * leave out sweeps still in progress unless asked, pick one setting (asked for, the sweep's, the
 * paper's protocol, or — Table 1 only — the latest run's), then count each replicate once (the
 * newest run) and drop replicates without finite metrics.
 *
 * @throws AgiqaError `invalid_input` naming `sweep` when the sweep is still in progress and its runs
 *   were not asked for, or `setting` when the setting has no completed runs here.
 */
export async function tableScope(prisma: PrismaClient, request: ScopeRequest): Promise<Scope> {
  assertSweepAsked(request);
  const runs =
    request.datasets.length === 0
      ? []
      : await loadTableRuns(prisma, { datasetIds: request.datasets.map((d) => d.id), sweepId: request.sweep?.id }, request.plcc);
  return scopeOf(runs, request);
}

/**
 * `tableScope` on runs already loaded (they may span more datasets and methods than the request:
 * it keeps those of `request.datasets` that `request.belongs` to, and of `request.sweep` when set).
 */
export function scopeOf(runs: TableRun[], request: ScopeRequest): Scope {
  assertSweepAsked(request);
  const datasetIds = new Set(request.datasets.map((d) => d.id));
  const inScope = runs.filter((r) => datasetIds.has(r.dataset.id) && (!request.sweep || r.sweep.id === request.sweep.id) && request.belongs(r));
  const { kept: current, excluded: inProgress } = applyInProgress(inScope, request.inProgress);
  const bySetting = groupBySetting(current);
  const { rule, chosen } = chooseSetting(bySetting, current, request);
  const { kept, duplicates, nonFinite } = countOnce(chosen ? (bySetting.get(chosen) ?? []) : []);
  const setting = (chosen ? bySetting.get(chosen)?.[0]?.setting : undefined) ?? null;
  return {
    selection: { rule, setting, sweep: request.sweep ?? null, otherSettings: bySetting.size - (chosen && bySetting.has(chosen) ? 1 : 0) },
    replicates: kept,
    excluded: { duplicates, inProgress, nonFinite },
  };
}

/** A sweep still in progress is shown only when its runs were asked for. */
function assertSweepAsked({ sweep, inProgress }: ScopeRequest): void {
  if (sweep && inProgress === 'exclude' && (sweep.status === 'pending' || sweep.status === 'running')) {
    throw invalidInput(
      `sweep "${sweep.id}" is still ${sweep.status}: tables leave out unfinished sweeps; add inProgress=include (CLI: --include-in-progress) to show its completed runs, marked`,
      [{ path: 'sweep', message: `sweep is ${sweep.status}` }],
    );
  }
}

function groupBySetting(runs: TableRun[]): Map<string, TableRun[]> {
  return groupBy(runs, (run) => run.setting.id);
}

/** The setting id to show and why; null when there is nothing to show (the paper's protocol has no runs, no fallback). */
function chooseSetting(bySetting: Map<string, TableRun[]>, runs: TableRun[], request: ScopeRequest): { rule: SettingSelection; chosen: string | null } {
  if (request.settingId !== undefined) {
    if (!bySetting.has(request.settingId)) {
      if (request.settingMustExist === false) return { rule: 'setting', chosen: null };
      throw settingWithoutRuns(request.settingId, [...bySetting.keys()]);
    }
    return { rule: 'setting', chosen: request.settingId };
  }
  if (request.sweep) {
    // One sweep is one setting, unless its cells ran on different engines: show the largest part.
    return { rule: 'sweep', chosen: largest([...bySetting.values()]) };
  }
  const paper = largest([...bySetting.values()].filter((group) => group[0].setting.paperProtocol));
  if (paper !== null || !request.fallbackToLatest) return { rule: 'paper-protocol', chosen: paper };
  return { rule: 'latest', chosen: runs.at(-1)?.setting.id ?? null };
}

/** The setting id of the group with the most runs (ties: the first), or null. */
function largest(groups: TableRun[][]): string | null {
  let best: TableRun[] | undefined;
  for (const group of groups) if (!best || group.length > best.length) best = group;
  return best?.[0]?.setting.id ?? null;
}

/** `invalid_input` on `setting`: it has no completed runs here (listing up to 10 that do). */
export function settingWithoutRuns(settingId: string, known: string[]) {
  const listed = known.slice(0, 10);
  return invalidInput(
    `setting ${settingId} has no completed runs here${listed.length ? ` (settings with runs: ${listed.join(', ')})` : ''}; GET /api/tables/settings lists them`,
    [{ path: 'setting', message: 'no completed runs of this setting here' }],
  );
}
