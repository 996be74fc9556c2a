import {
  type FusionName,
  type RunStatus,
  type RunSummary,
  type TextEncoderName,
  type TrainingMode,
} from '@agiqa/contracts';
import { fromDbReportRule, type $Enums } from '@agiqa/db';

/** The columns of a Run row that a RunSummary shows (a Prisma `Run` fits). */
export interface RunRecord {
  id: string;
  sweepId: string;
  cellKey: string;
  textEncoder: string;
  imageEncoder: string;
  fusion: string;
  splitRepeat: number;
  seed: number;
  config: unknown;
  trainingMode: TrainingMode;
  /** Prisma spells `best-on-val` as `best_on_val`. */
  reportRule: $Enums.ReportRule;
  status: RunStatus;
  attempts: number;
  backend: string | null;
  epochsDone: number;
  reportedEpoch: number | null;
  srcc: number | null;
  plcc: number | null;
  plccLogistic: number | null;
  krcc: number | null;
  rmse: number | null;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const finite = (value: number | null): value is number => value !== null && Number.isFinite(value);

/**
 * A run row as the API shows it. `epochs` comes from the run's config (the grid's `epochs`);
 * metrics appear only when every headline number is finite, so a summary never carries NaN.
 */
export function toRunSummary(run: RunRecord, dataset: string, gridEpochs: number): RunSummary {
  const config = (typeof run.config === 'object' && run.config !== null ? run.config : {}) as { epochs?: unknown };
  const metrics =
    finite(run.srcc) && finite(run.plcc) && finite(run.krcc) && finite(run.rmse)
      ? { srcc: run.srcc, plcc: run.plcc, plccLogistic: finite(run.plccLogistic) ? run.plccLogistic : null, krcc: run.krcc, rmse: run.rmse }
      : null;
  return {
    id: run.id,
    sweepId: run.sweepId,
    cellKey: run.cellKey,
    dataset,
    // Stored names passed the grid schema on the way in.
    textEncoder: run.textEncoder as TextEncoderName,
    imageEncoder: run.imageEncoder,
    fusion: run.fusion as FusionName,
    splitRepeat: run.splitRepeat,
    seed: run.seed,
    status: run.status,
    attempts: run.attempts,
    backend: run.backend,
    trainingMode: run.trainingMode,
    reportRule: fromDbReportRule(run.reportRule),
    reportedEpoch: run.reportedEpoch,
    epochsDone: run.epochsDone,
    epochs: typeof config.epochs === 'number' ? config.epochs : gridEpochs,
    metrics,
    error: run.error,
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
