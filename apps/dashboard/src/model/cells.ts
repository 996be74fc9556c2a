import { FUSION_NAMES, type RunStatus, type RunSummary } from '@agiqa/contracts';
import { finiteOrNull } from './format.js';
import { TABLE1_ROW_ORDER, ZERO_SHOT } from './labels.js';

type CellRun = Pick<RunSummary, 'id' | 'cellKey' | 'dataset' | 'method' | 'textEncoder' | 'fusion' | 'splitRepeat' | 'seed' | 'status' | 'metrics' | 'epochsDone' | 'epochs'>;

/** A CLIP-IQA run has no text encoder or fusion: it takes its own row (the method) and a zero-shot column. */
const rowOf = (run: Pick<CellRun, 'method' | 'textEncoder'>): string => run.textEncoder ?? run.method;
const columnOf = (run: Pick<CellRun, 'fusion'>): string => run.fusion ?? ZERO_SHOT;

/** `dataset/row/column` of the grid point a run belongs to (`cellGrids` lays runs out by it). */
export function gridPointKey(run: Pick<CellRun, 'dataset' | 'method' | 'textEncoder' | 'fusion'>): string {
  return `${run.dataset}/${rowOf(run)}/${columnOf(run)}`;
}

/** One grid point (dataset, encoder, fusion) with its runs (one per split repeat × seed). */
export interface GridPoint {
  encoder: string;
  fusion: string;
  /** Ordered by split repeat, then seed. */
  runs: CellRun[];
  /** Mean test SRCC of the completed runs, or null. */
  meanSrcc: number | null;
  /** The status that best summarises the point: failed > running > pending > cancelled > completed. */
  status: RunStatus | null;
}

/** The encoder × fusion grid of one dataset of a sweep. */
export interface CellGrid {
  dataset: string;
  encoders: string[];
  fusions: string[];
  /** Indexed as `points[encoderIndex][fusionIndex]`; null where the sweep has no such cell. */
  points: (GridPoint | null)[][];
}

const SUMMARY_PRIORITY: readonly RunStatus[] = ['failed', 'running', 'pending', 'cancelled', 'completed'];

function orderBy<T>(values: Iterable<T>, preferred: readonly T[]): T[] {
  const rank = (v: T) => {
    const i = preferred.indexOf(v);
    return i === -1 ? preferred.length : i;
  };
  return [...new Set(values)].sort((a, b) => rank(a) - rank(b));
}

/**
 * Lays a sweep's runs out as one encoder × fusion grid per dataset, in the grid's order when given
 * (else the paper's row order), each point holding its repeat × seed runs.
 */
export function cellGrids(runs: readonly CellRun[], order: { encoders?: readonly string[]; fusions?: readonly string[]; datasets?: readonly string[] } = {}): CellGrid[] {
  const encoderOrder: readonly string[] = order.encoders ?? TABLE1_ROW_ORDER;
  const fusionOrder: readonly string[] = order.fusions ?? FUSION_NAMES;
  const datasets = orderBy(runs.map((r) => r.dataset), order.datasets ?? []);
  return datasets.map((dataset) => {
    const own = runs.filter((r) => r.dataset === dataset);
    const encoders = orderBy(own.map(rowOf), encoderOrder);
    const fusions = orderBy(own.map(columnOf), fusionOrder);
    const points = encoders.map((encoder) =>
      fusions.map((fusion): GridPoint | null => {
        const pointRuns = own
          .filter((r) => rowOf(r) === encoder && columnOf(r) === fusion)
          .sort((a, b) => a.splitRepeat - b.splitRepeat || (a.seed ?? 0) - (b.seed ?? 0));
        if (pointRuns.length === 0) return null;
        const srccs = pointRuns
          .filter((r) => r.status === 'completed')
          .map((r) => finiteOrNull(r.metrics?.srcc))
          .filter((v): v is number => v !== null);
        return {
          encoder,
          fusion,
          runs: pointRuns,
          meanSrcc: srccs.length ? srccs.reduce((a, b) => a + b, 0) / srccs.length : null,
          status: SUMMARY_PRIORITY.find((s) => pointRuns.some((r) => r.status === s)) ?? null,
        };
      }),
    );
    return { dataset, encoders, fusions, points };
  });
}

/**
 * Runs whose epoch curves a sweep page shows before the user picks: running ones first, then
 * completed, then the rest, at most `limit`.
 */
export function defaultCurveRuns(runs: readonly Pick<RunSummary, 'id' | 'status'>[], limit = 4): string[] {
  const rank: Record<RunStatus, number> = { running: 0, completed: 1, failed: 2, cancelled: 3, pending: 4 };
  return [...runs]
    .filter((r) => r.status !== 'pending')
    .sort((a, b) => rank[a.status] - rank[b.status])
    .slice(0, limit)
    .map((r) => r.id);
}
