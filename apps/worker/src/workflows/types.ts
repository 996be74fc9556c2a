/**
 * Payloads exchanged between workflows and activities. IDs, artefact-store keys and small numbers
 * only: features, checkpoints and predictions stay in the artefact store or in Postgres (Temporal payloads are capped at 2 MB and
 * every payload is kept in the workflow history).
 */
import type { FeatureOptions, MethodName, RunStatus, SweepStatus, SweepWorkflowInput } from '@agiqa/contracts';

/** One cell a sweep execution will run, with the attempt number its RunWorkflow id carries. */
export interface PlannedCell {
  runId: string;
  cellKey: string;
  /** `run.attempts + 1` when planned: part of the child workflow id. */
  attempt: number;
}

/** A page of cells in `cellKey` order, after the cursor the sweep carries across continue-as-new. */
export interface SweepPage {
  cells: PlannedCell[];
  /** The grid's `maxParallel`: cells in flight at once. */
  maxParallel: number;
  /** Cells of the whole sweep (1: an interactive single run). Absent in pages recorded before it existed. */
  cellCount?: number;
}

/** Input of `SweepWorkflow`: the public contract plus the cursor carried through continue-as-new. */
export interface SweepWorkflowArgs extends SweepWorkflowInput {
  /** Cells started per workflow execution before continuing as new (bounds the history). */
  pageSize?: number;
  /**
   * `cellKey` of the last cell the previous execution started (every pending cell after it is
   * still to start); set only by continue-as-new.
   */
  after?: string;
  /** `cellKey` of the last cell the previous execution loaded (`queued` ends there); set only by continue-as-new. */
  loadedAfter?: string;
  /** Cells still running when the previous execution continued as new; they signal this one when they end. */
  inFlight?: PlannedCell[];
  /** Cells the previous execution loaded but did not start (up to `after`); set only by continue-as-new. */
  queued?: QueuedCells;
}

/** Loaded cells not yet started, handed from one execution of a sweep to the next. */
export interface QueuedCells extends SweepPage {
  /** Whether cells may follow `after` (the last page loaded was full). */
  more: boolean;
}

export interface SweepOutcome {
  sweepId: string;
  status: SweepStatus;
  counts: Record<RunStatus, number>;
}

/** What `beginAttempt` tells the run workflow about what the cell runs, and where and how to train. */
export interface AttemptPlan {
  /**
   * What the cell runs. Absent in plans recorded before methods existed (they are fusion-head
   * runs): the workflow branches on this recorded value, so old histories replay unchanged.
   */
  method?: MethodName;
  /** GPU task queue the training activity is sent to. */
  gpuQueue: string;
  /** A training attempt that stays silent this long is retried elsewhere (resuming its checkpoint). */
  heartbeatTimeoutMs: number;
  /** Upper bound on one training attempt. */
  trainTimeoutMs: number;
  /** The grid asks for the trained run's inference latency (`timing`). Absent in plans recorded before it existed. */
  measureLatency?: boolean;
}

/** One feature extraction a run needs; `key` is its content address (and FeatureWorkflow id). */
export interface FeatureRequest {
  key: string;
  kind: 'image' | 'text';
  datasetId: string;
  /** Registry name (`tiny-bert`, `clip-vit-b32`, ...). */
  encoder: string;
  /** Grid `modelOverrides` entry for this encoder, when any. */
  override?: string;
  /** Grid `features` (encoder dtype, image resize); absent in requests planned before it existed (fp32, pillow). */
  features?: FeatureOptions;
}

/** A feature set in the artefact store, as recorded in the FeatureSet table. */
export interface FeatureRef {
  /** Content key (also the FeatureWorkflow id). */
  key: string;
  kind: 'image' | 'text';
  /** Its tree in the artefact store (`features/<key>`). */
  artifactKey: string;
  dim: number;
  count: number;
}

/**
 * What a finished training attempt (or a CLIP-IQA scoring, which trains nothing) leaves behind: a
 * result file for `recordResults`.
 */
export interface TrainOutcome {
  /** Artefact-store key of the result JSON (reported-epoch predictions and metrics). */
  resultKey: string;
  /** Null for a method without epochs (CLIP-IQA). */
  reportedEpoch: number | null;
  epochs: number;
  backend: string;
  /** Epoch the attempt resumed after (0 when it started fresh). */
  resumedFromEpoch: number;
}

export interface RunOutcome {
  runId: string;
  attempt: number;
  status: Extract<RunStatus, 'completed'>;
  srcc: number;
  plcc: number;
}
