import type { Client } from '@temporalio/client';
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
  trainHead,
} from '@agiqa/model';

/** Encoder side of libs/model, injected so a test can observe how often extraction really runs. */
export interface EncoderToolkit {
  resolveEncoder: typeof resolveEncoder;
  featureKey: typeof featureKey;
  preprocessingFor: typeof preprocessingFor;
  extractTextFeatures: typeof extractTextFeatures;
  extractImageFeatures: typeof extractImageFeatures;
  openTextFeatures: typeof openTextFeatures;
  openImageFeatures: typeof openImageFeatures;
}

/**
 * Where this worker's hardware and software are recorded on every run it trains: libs/model's
 * machine description (the one timing rows carry too) and the GPU queue (device) it serves.
 */
export type RunMachine = MachineInfo & { gpuQueue?: string };

/** Everything activities touch, built once by the worker process (or a test). */
export interface ActivityDeps {
  prisma: PrismaClient;
  /** Starts / attaches to shared FeatureWorkflows. */
  temporal: Client;
  /** Task queue of workflows and CPU activities. */
  cpuQueue: string;
  /** GPU task queues of the deployment (`AGIQA_GPU_QUEUES`); cells are spread over them. */
  gpuQueues: readonly string[];
  paths: {
    /** Content-addressed feature cache (`<AGIQA_HOME>/features`). */
    features: string;
    /** Per-run artifacts: checkpoints, result files (`<AGIQA_HOME>/artifacts`). */
    artifacts: string;
  };
  models: { modelsDir?: string; allowRemote: boolean };
  encoders: EncoderToolkit;
  trainer: typeof trainHead;
  /** tfjs backend initialised at start-up; recorded on every run this worker trains. */
  backend: string;
  machine: RunMachine;
  timing: {
    /** Training heartbeat timeout: a silent attempt is retried elsewhere after this long. */
    heartbeatTimeoutMs: number;
    /** Heartbeat cadence inside long epochs and while waiting on shared feature extraction. */
    heartbeatIntervalMs: number;
    /** Upper bound on one training attempt. */
    trainTimeoutMs: number;
  };
}
