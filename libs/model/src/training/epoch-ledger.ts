import type { ReportRule } from '@agiqa/contracts';
import { averageRanks, pearsonUnchecked } from '../metrics/correlation.js';
import { evaluate, type MosMetrics } from '../metrics/evaluate.js';

/** One epoch as every engine reports it (metrics computed here, from the engine's predictions). */
export interface EpochReport {
  /** 1-based. */
  epoch: number;
  /**
   * Mean squared error over the epoch's batches on standardised targets ((MOS − mean) / std of
   * train): 1.0 is what predicting the train mean scores, whatever the MOS scale.
   */
  trainLoss: number;
  val: { srcc: number; plcc: number } | null;
  test: { srcc: number; plcc: number };
  durationMs: number;
}

export interface BestEpoch {
  epoch: number;
  srcc: number;
}

/** What a checkpoint must carry for the ledger to continue where it stopped. */
/**
 * The best-epoch rule (best-on-val / best-on-test): an epoch replaces the best so far when its SRCC
 * is strictly higher (so the earliest wins ties; a NaN never replaces one). The first epoch is
 * the best so far whatever its SRCC.
 */
export function isBetterEpoch(srcc: number, best: BestEpoch | null): boolean {
  return best === null || srcc > best.srcc;
}

/**
 * The epoch `rule` reports after `history` (epochs in order), by the rule `trainHead` applies: the
 * last, or the best on validation / test SRCC (`isBetterEpoch`). Null before any epoch, or for
 * best-on-val without validation scores. Engine-independent: the worker keeps the checkpoint of
 * this epoch while training runs.
 */
export function reportedEpochOf(rule: ReportRule, history: readonly Pick<EpochReport, 'epoch' | 'val' | 'test'>[]): number | null {
  if (rule === 'last') return history.at(-1)?.epoch ?? null;
  let best: BestEpoch | null = null;
  for (const report of history) {
    const scores = rule === 'best-on-val' ? report.val : report.test;
    if (scores && isBetterEpoch(scores.srcc, best)) best = { epoch: report.epoch, srcc: scores.srcc };
  }
  return best?.epoch ?? null;
}

export interface LedgerState {
  history: EpochReport[];
  bestVal: BestEpoch | null;
  bestTest: BestEpoch | null;
  lastPredictions: Float32Array | null;
  bestValPredictions: Float32Array | null;
  bestTestPredictions: Float32Array | null;
}

/** The reported epoch and its test metrics, by the run's report rule. */
export interface LedgerResult {
  reportedEpoch: number;
  reportRule: ReportRule;
  /** True for `best-on-test`: the epoch was selected on the test set itself. */
  optimistic: boolean;
  metrics: MosMetrics;
  /** Test predictions at the reported epoch, on the MOS scale. */
  testPredictions: Float32Array;
  epochs: EpochReport[];
}

/**
 * The per-epoch bookkeeping shared by every training engine (tfjs in process, torch in Python):
 * engines produce predictions, the ledger turns them into SRCC / PLCC, tracks the best epochs and
 * picks the reported one. One implementation, so both engines' numbers mean the same thing.
 *
 * - Best epoch (best-on-val / best-on-test): highest SRCC, earliest epoch on ties.
 * - Predictions that are exactly constant carry no ranking: their correlations are recorded as 0
 *   (an uninformative predictor), not NaN, so one degenerate epoch cannot abort a sweep.
 */
export class EpochLedger {
  private state: LedgerState = {
    history: [],
    bestVal: null,
    bestTest: null,
    lastPredictions: null,
    bestValPredictions: null,
    bestTestPredictions: null,
  };

  constructor(
    private readonly targets: { test: Float32Array; val?: Float32Array },
    readonly reportRule: ReportRule,
  ) {}

  /** Epochs recorded so far. */
  get epochs(): number {
    return this.state.history.length;
  }

  /** Scores one epoch's predictions (MOS scale) and updates the best epochs; returns its report. */
  record(epoch: { epoch: number; trainLoss: number; durationMs: number; test: Float32Array; val: Float32Array | null }): EpochReport {
    const s = this.state;
    const test = correlations(epoch.test, this.targets.test);
    let val: EpochReport['val'] = null;
    if (epoch.val !== null) {
      if (this.targets.val === undefined) throw new Error(`epoch ${epoch.epoch} has val predictions but the run has no val split`);
      val = correlations(epoch.val, this.targets.val);
      if (isBetterEpoch(val.srcc, s.bestVal)) {
        s.bestVal = { epoch: epoch.epoch, srcc: val.srcc };
        s.bestValPredictions = epoch.test;
      }
    }
    if (isBetterEpoch(test.srcc, s.bestTest)) {
      s.bestTest = { epoch: epoch.epoch, srcc: test.srcc };
      s.bestTestPredictions = epoch.test;
    }
    s.lastPredictions = epoch.test;
    const report: EpochReport = { epoch: epoch.epoch, trainLoss: epoch.trainLoss, val, test, durationMs: epoch.durationMs };
    s.history.push(report);
    return report;
  }

  /** A copy of the state, for a checkpoint. */
  snapshot(): LedgerState {
    return { ...this.state, history: [...this.state.history] };
  }

  /** Continues from a checkpoint's state. */
  restore(state: LedgerState): void {
    this.state = { ...state, history: [...state.history] };
  }

  /** The reported epoch by the report rule, with final metrics on its test predictions. */
  result(): LedgerResult {
    const s = this.state;
    const rule = this.reportRule;
    const best = rule === 'best-on-val' ? s.bestVal : rule === 'best-on-test' ? s.bestTest : null;
    if (rule !== 'last' && best === null) throw new Error(`no ${rule} epoch recorded`);
    const reportedEpoch = best?.epoch ?? s.history.length;
    const testPredictions = rule === 'last' ? s.lastPredictions : rule === 'best-on-val' ? s.bestValPredictions : s.bestTestPredictions;
    if (testPredictions === null) throw new Error(`no test predictions recorded for the ${rule} epoch`);
    return {
      reportedEpoch,
      reportRule: rule,
      optimistic: rule === 'best-on-test',
      metrics: finalMetrics(testPredictions, this.targets.test),
      testPredictions,
      epochs: [...s.history],
    };
  }
}

export function isConstant(x: ArrayLike<number>): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

/** Per-epoch SRCC/PLCC; 0 for exactly constant predictions (targets are checked up front). */
function correlations(pred: Float32Array, mos: Float32Array): { srcc: number; plcc: number } {
  if (pred.length !== mos.length) throw new Error(`${pred.length} predictions for ${mos.length} targets`);
  if (isConstant(pred)) return { srcc: 0, plcc: 0 };
  const x = Float64Array.from(pred);
  const y = Float64Array.from(mos);
  return { srcc: pearsonUnchecked(averageRanks(x), averageRanks(y)), plcc: pearsonUnchecked(x, y) };
}

function finalMetrics(pred: Float32Array, mos: Float32Array): MosMetrics {
  if (!isConstant(pred)) return evaluate(pred, mos);
  let sum = 0;
  for (let i = 0; i < pred.length; i++) sum += (pred[i] - mos[i]) ** 2;
  return { srcc: 0, plcc: 0, plccLogistic: null, krcc: 0, rmse: Math.sqrt(sum / pred.length) };
}
