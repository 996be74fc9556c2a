import {
  type FusionName,
  type RunStatus,
  type RunSummary,
  type TextEncoderName,
  type TrainingEngineName,
  type TrainingMode,
} from '@agiqa/contracts';
import { fromDbMethod, fromDbReportRule, type $Enums } from '@agiqa/db';

/** The columns of a Run row that a RunSummary shows (a Prisma `Run` fits). */
export interface RunRecord {
  id: string;
  sweepId: string;
  cellKey: string;
  /** Prisma spells `clip-iqa` as `clip_iqa`. */
  method: $Enums.RunMethod;
  textEncoder: string | null;
  imageEncoder: string;
  fusion: string | null;
  splitRepeat: number;
  seed: number | null;
  config: unknown;
  trainingMode: TrainingMode;
  /** Prisma spells `best-on-val` as `best_on_val`. */
  reportRule: $Enums.ReportRule;
  status: RunStatus;
  attempts: number;
  backend: string | null;
  engine: string | null;
  engineVersion: string | null;
  device: string | null;
  deviceName: string | null;
  dtype: string | null;
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
  const method = fromDbMethod(run.method);
  // CLIP-IQA scores are probabilities, not MOS: its RMSE is null by design, not missing.
  const rmseKnown = finite(run.rmse) || (method === 'clip-iqa' && run.rmse === null);
  const metrics =
    finite(run.srcc) && finite(run.plcc) && finite(run.krcc) && rmseKnown
      ? { srcc: run.srcc, plcc: run.plcc, plccLogistic: finite(run.plccLogistic) ? run.plccLogistic : null, krcc: run.krcc, rmse: finite(run.rmse) ? run.rmse : null }
      : null;
  return {
    id: run.id,
    sweepId: run.sweepId,
    cellKey: run.cellKey,
    dataset,
    method,
    // Stored names passed the grid schema on the way in.
    textEncoder: run.textEncoder as TextEncoderName | null,
    imageEncoder: run.imageEncoder,
    fusion: run.fusion as FusionName | null,
    splitRepeat: run.splitRepeat,
    seed: run.seed,
    status: run.status,
    attempts: run.attempts,
    backend: run.backend,
    // Written by the worker from the engine's own report (libs/contracts TRAINING_ENGINES).
    engine: run.engine as TrainingEngineName | null,
    engineVersion: run.engineVersion,
    device: run.device,
    deviceName: run.deviceName,
    dtype: run.dtype,
    trainingMode: run.trainingMode,
    reportRule: fromDbReportRule(run.reportRule),
    reportedEpoch: run.reportedEpoch,
    epochsDone: run.epochsDone,
    // CLIP-IQA trains nothing: no epochs to progress through.
    epochs: method === 'clip-iqa' ? 0 : typeof config.epochs === 'number' ? config.epochs : gridEpochs,
    metrics,
    error: run.error,
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
