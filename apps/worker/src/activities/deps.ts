import type { Client } from '@temporalio/client';
import type { Artifacts } from '@agiqa/artifacts';
import type { PrismaClient } from '@agiqa/db';
import type {
  MachineInfo,
  extractImageFeatures,
  extractTextFeatures,
  featureKey,
  openImageFeatures,
  openTextFeatures,
  preprocessingFor,
  resolveEncoder,
  resolveTorchEncoder,
} from '@agiqa/model';
import type { WorkerEngines } from '../engines.js';

/** Encoder side of libs/model, injected so a test can observe how often extraction really runs. */
export interface EncoderToolkit {
  resolveEncoder: typeof resolveEncoder;
  /** Fine-tuning: the Hugging Face folder of an encoder. */
  resolveTorchEncoder: typeof resolveTorchEncoder;
  featureKey: typeof featureKey;
  preprocessingFor: typeof preprocessingFor;
  extractTextFeatures: typeof extractTextFeatures;
  extractImageFeatures: typeof extractImageFeatures;
  openTextFeatures: typeof openTextFeatures;
  openImageFeatures: typeof openImageFeatures;
}

/**
 * Where this worker's hardware and software are recorded on every run it trains: libs/model's
 * machine description (the one timing rows carry too), the GPU queue it serves and the GPU it is
 * pinned to (`--device`). On a run row `gpu` names the device that run trained on (null on the CPU).
 */
export type RunMachine = MachineInfo & { gpuQueue?: string; deviceIndex?: number };

/** Everything activities touch, built once by the worker process (or a test). */
export interface ActivityDeps {
  prisma: PrismaClient;
  /** Starts / attaches to shared FeatureWorkflows. */
  temporal: Client;
  /** Task queue of workflows and CPU activities. */
  cpuQueue: string;
  /** GPU task queues of the deployment (`AGIQA_GPU_QUEUES`); cells are spread over them. */
  gpuQueues: readonly string[];
  /**
   * The artefact store (feature sets, checkpoints, result files): rows and payloads hold its keys.
   * Activities read through `materialize*` (local paths) and write local files they then store.
   */
  artifacts: Artifacts;
  paths: {
    /**
     * This worker's own working folder (`<AGIQA_HOME>/work`): features being extracted, checkpoints
     * being written. Never shared, never named in a row or payload.
     */
    work: string;
  };
  models: {
    modelsDir?: string;
    allowRemote: boolean;
    /** onnxruntime intra-op threads (default: onnxruntime's own choice). */
    threads?: number;
    /** Idle onnxruntime threads spin (default false: shared hosts). */
    spinning?: boolean;
    /** Images per forward pass during extraction (default: libs/model's). */
    imageBatch?: number;
  };
  encoders: EncoderToolkit;
  /** The training engines this worker has (null on a `cpu` worker, which trains nothing). */
  engines: WorkerEngines | null;
  machine: RunMachine;
  /** Where the worker's own lines go (outages of the database); default: nowhere. */
  log?: (line: string) => void;
  timing: {
    /**
     * Training heartbeat timeout when no epoch has been measured, and its floor: a silent attempt is
     * retried elsewhere after this long (longer when comparable epochs were slow, see `heartbeatTimeoutFor`).
     */
    heartbeatTimeoutMs: number;
    /** Ceiling of the training heartbeat timeout, however slow the epochs. */
    heartbeatTimeoutMaxMs: number;
    /** Heartbeat cadence inside long epochs and while waiting on shared feature extraction. */
    heartbeatIntervalMs: number;
    /** Upper bound on one training attempt. */
    trainTimeoutMs: number;
  };
}
