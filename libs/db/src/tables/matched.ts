import { canonicalJson, invalidInput, type SettingRef, type SignificanceQuery, type SweepRef } from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';
import { datasetByName, sweepById } from './lookups.js';
import { loadTableRuns, replicateKey, rowName, type DatasetRef, type TableRun } from './replicates.js';
import { scopeOf } from './selection.js';
import { groupBy } from './group-by.js';

const SETTING_ID = /^set_[0-9a-f]{12}$/;

/** One side of a comparison: a setting (all its runs) or a sweep (that sweep's runs). */
export interface ComparedSide {
  ref: string;
  setting: SettingRef;
  sweep: SweepRef | null;
}

/** Matched replicates of one cell (method, text encoder, fusion) on both sides, in a stable order. */
export interface MatchedCell {
  method: string;
  textEncoder: string | null;
  fusion: string | null;
  a: number[];
  b: number[];
  unmatchedA: number;
  unmatchedB: number;
  /** Means over each side's own replicates (matched or not). */
  meanA: number;
  meanB: number;
}

export interface MatchedReplicates {
  dataset: DatasetRef;
  a: ComparedSide;
  b: ComparedSide;
  cells: MatchedCell[];
  /** Cells (`method/encoder/fusion`) with replicates on one side only: nothing to compare. */
  onlyIn: { a: string[]; b: string[] };
}

/**
 * The replicates of two settings (or sweeps) on one dataset under the tables' aggregation rule,
 * paired cell by cell: a pair is the same method, text encoder (and model override), fusion,
 * seed, split seed and split repeat on both sides, so a paired test compares like with like.
 *
 * @throws AgiqaError `invalid_input` naming `a`, `b` or `dataset`: unknown sweep, a setting without
 *   completed runs, no common dataset, or several (then `dataset` must say which).
 */
export async function matchedReplicates(prisma: PrismaClient, query: SignificanceQuery): Promise<MatchedReplicates> {
  const sides = await Promise.all([resolveSide(prisma, query.a, 'a'), resolveSide(prisma, query.b, 'b')]);
  const runs = await loadTableRuns(prisma, {}, query.plcc);
  const dataset = await pickDataset(prisma, query, sides.map((side) => runs.filter((r) => side.matches(r))));
  const [a, b] = sides.map((side) => {
    const scope = scopeOf(runs.filter((r) => side.matches(r)), {
      datasets: [dataset],
      sweep: side.sweep ?? undefined,
      settingId: side.settingId,
      belongs: () => true,
      plcc: query.plcc,
      inProgress: query.inProgress,
      fallbackToLatest: false,
      settingMustExist: false,
    });
    if (!scope.selection.setting || scope.replicates.length === 0) {
      throw invalidInput(`${side.field}: ${side.ref} has no completed runs with finite metrics on dataset "${dataset.name}" under the tables' rule`, [
        { path: side.field, message: `no completed runs on "${dataset.name}"` },
      ]);
    }
    return { side: { ref: side.ref, setting: scope.selection.setting, sweep: side.sweep }, replicates: scope.replicates };
  });
  return { dataset, a: a.side, b: b.side, ...pairCells(a.replicates, b.replicates, query.metric) };
}

interface SideSpec {
  ref: string;
  field: 'a' | 'b';
  settingId?: string;
  sweep: SweepRef | null;
  matches: (run: TableRun) => boolean;
}

async function resolveSide(prisma: PrismaClient, ref: string, field: 'a' | 'b'): Promise<SideSpec> {
  if (SETTING_ID.test(ref)) return { ref, field, settingId: ref, sweep: null, matches: (r) => r.setting.id === ref };
  const { sweep } = await sweepById(prisma, ref, field);
  return { ref, field, sweep, matches: (r) => r.sweep.id === sweep.id };
}

async function pickDataset(prisma: PrismaClient, query: SignificanceQuery, sideRuns: TableRun[][]): Promise<DatasetRef> {
  if (query.dataset !== undefined) return datasetByName(prisma, query.dataset);
  const [a, b] = sideRuns.map((runs) => new Map(runs.map((r) => [r.dataset.id, r.dataset])));
  const common = [...a.values()].filter((d) => b.has(d.id)).sort((x, y) => x.name.localeCompare(y.name));
  if (common.length === 1) return common[0];
  if (common.length === 0) {
    throw invalidInput(`a and b have no completed runs on a common dataset`, [{ path: 'dataset', message: 'no dataset with runs of both sides' }]);
  }
  throw invalidInput(`a and b both ran on ${common.map((d) => d.name).join(', ')}: say which with dataset=`, [
    { path: 'dataset', message: `one of ${common.map((d) => d.name).join(', ')}` },
  ]);
}

function pairCells(a: TableRun[], b: TableRun[], metric: SignificanceQuery['metric']): Pick<MatchedReplicates, 'cells' | 'onlyIn'> {
  const groupA = byCell(a);
  const groupB = byCell(b);
  const value = (r: TableRun) => (metric === 'srcc' ? r.srcc : r.plcc) as number;
  const mean = (runs: TableRun[]) => runs.reduce((s, r) => s + value(r), 0) / runs.length;
  const cells: MatchedCell[] = [];
  for (const [key, left] of [...groupA.entries()].sort(([x], [y]) => x.localeCompare(y))) {
    const rightRuns = groupB.get(key);
    if (!rightRuns) continue;
    const right = new Map(rightRuns.map((r) => [replicateKey(r, false), r]));
    const pairs = left.flatMap((r) => {
      const partner = right.get(replicateKey(r, false));
      return partner ? [[value(r), value(partner)] as const] : [];
    });
    const first = left[0];
    cells.push({
      method: first.method,
      textEncoder: first.method === 'fusion-head' ? rowName(first) : null,
      fusion: first.method === 'fusion-head' ? first.fusion : null,
      a: pairs.map(([x]) => x),
      b: pairs.map(([, y]) => y),
      unmatchedA: left.length - pairs.length,
      unmatchedB: rightRuns.length - pairs.length,
      meanA: mean(left),
      meanB: mean(rightRuns),
    });
  }
  const only = (mine: Map<string, TableRun[]>, other: Map<string, TableRun[]>) =>
    [...mine.entries()].filter(([key]) => !other.has(key)).map(([, runs]) => cellLabel(runs[0])).sort();
  return { cells, onlyIn: { a: only(groupA, groupB), b: only(groupB, groupA) } };
}

function byCell(runs: TableRun[]): Map<string, TableRun[]> {
  return groupBy(runs, (run) => canonicalJson([run.method, run.textEncoder, run.textModel, run.fusion]));
}

function cellLabel(run: TableRun): string {
  return run.method === 'fusion-head' ? `${rowName(run)}/${run.fusion}` : run.method;
}
