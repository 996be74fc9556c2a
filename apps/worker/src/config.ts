import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { artifactsConfigFromEnv, type ArtifactsConfig } from '@agiqa/artifacts';
import { invalidInput, parseOrThrow, WorkerEnvSchema, type AgiqaEnv, type WorkerEnv } from '@agiqa/contracts';

export const WORKER_ROLES = ['cpu', 'gpu', 'all'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

export interface WorkerConfig {
  env: WorkerEnv;
  role: WorkerRole;
  /** The GPU queue this process serves when its role includes gpu (one process per device). */
  gpuQueue: string;
  /** All GPU queues of the deployment: run workflows spread cells over them. */
  gpuQueues: string[];
  /** `--device N`: the one GPU this worker trains on (its engines see only it, as CUDA device 0). */
  device: number | null;
  /** `--allow-cpu`: a `gpu` worker that cannot prove a GPU starts anyway and trains (and records) on the CPU. */
  allowCpu: boolean;
  home: string;
  /** This worker's own working folder (`<AGIQA_HOME>/work`): never shared, never named in rows. */
  paths: { work: string };
  /** The artefact store (`AGIQA_ARTIFACTS`) and this worker's local cache of it. */
  artifacts: ArtifactsConfig;
  heartbeatTimeoutMs: number;
  heartbeatTimeoutMaxMs: number;
  heartbeatIntervalMs: number;
  trainTimeoutMs: number;
  /** How this worker runs the encoders (see WorkerEnvSchema). */
  encoders: { threads: number; spinning: boolean; imageBatch: number };
}

export const USAGE = `usage: node apps/worker/dist/main.js [--role cpu|gpu|all] [--gpu-queue NAME] [--device N] [--allow-cpu]
  --role       cpu: workflows + CPU activities (AGIQA_CPU_QUEUE); gpu: training on one GPU queue;
               all (default): both in this process (the embedded stack)
  --gpu-queue  GPU queue this process serves (one process per device); one of AGIQA_GPU_QUEUES,
               default the first
  --device     the GPU (index as nvidia-smi numbers it) this worker trains on: its engines see
               only that one (CUDA_VISIBLE_DEVICES)
  --allow-cpu  a gpu worker proves at start-up that an engine computes on its GPU (torch: a matmul
               on cuda; tfjs-node-gpu: isUsingGpuDevice) and refuses to start otherwise; with this
               flag it starts and trains on the CPU, and its runs are recorded as CPU runs
Settings come from the environment (EnvSchema): AGIQA_HOME, DATABASE_URL, TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, AGIQA_CPU_QUEUE, AGIQA_GPU_QUEUES, AGIQA_TFJS_BACKEND, AGIQA_PYTHON,
AGIQA_MODELS_DIR, AGIQA_ALLOW_REMOTE_MODELS, AGIQA_HEARTBEAT_TIMEOUT_S, AGIQA_HEARTBEAT_TIMEOUT_MAX_S,
AGIQA_TRAIN_TIMEOUT_H, AGIQA_CPU_ACTIVITY_SLOTS, AGIQA_ENCODER_THREADS, AGIQA_ENCODER_SPIN, AGIQA_EXTRACT_BATCH,
AGIQA_TORCH_THREADS,
AGIQA_ARTIFACTS (file:///folder or s3://bucket/prefix; default AGIQA_HOME/artifacts),
AGIQA_ARTIFACT_CACHE_GB, AGIQA_S3_FORCE_PATH_STYLE and the standard AWS_* variables for S3.`;

/**
 * Reads flags and environment once, at start-up. Bad values fail here with the flag or variable
 * named, before anything connects.
 */
export function parseWorkerConfig(argv: readonly string[], rawEnv: NodeJS.ProcessEnv, cwd = process.cwd()): WorkerConfig {
  let flags: { role?: string; 'gpu-queue'?: string; device?: string; 'allow-cpu'?: boolean };
  try {
    flags = parseArgs({
      args: [...argv],
      options: { role: { type: 'string' }, 'gpu-queue': { type: 'string' }, device: { type: 'string' }, 'allow-cpu': { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw invalidInput(`${(error as Error).message}\n${USAGE}`);
  }
  const env = parseOrThrow(WorkerEnvSchema, rawEnv, 'environment');
  const role = flags.role ?? 'all';
  if (!(WORKER_ROLES as readonly string[]).includes(role)) {
    throw invalidInput(`--role must be one of ${WORKER_ROLES.join(', ')}, got "${role}"`, [{ path: '--role', message: 'unknown role' }]);
  }
  const gpuQueues = splitQueues(env);
  const gpuQueue = flags['gpu-queue'] ?? gpuQueues[0];
  if (!gpuQueues.includes(gpuQueue)) {
    throw invalidInput(`--gpu-queue "${gpuQueue}" is not one of AGIQA_GPU_QUEUES (${gpuQueues.join(', ')})`, [
      { path: '--gpu-queue', message: 'not a configured GPU queue' },
    ]);
  }
  const device = flags.device === undefined ? null : Number(flags.device);
  if (device !== null && !(/^\d+$/.test(flags.device ?? '') && device <= 1024)) {
    throw invalidInput(`--device must be a GPU index (0, 1, …), got "${flags.device}"`, [{ path: '--device', message: 'not a GPU index' }]);
  }
  if ((device !== null || flags['allow-cpu']) && role === 'cpu') {
    throw invalidInput(`--device and --allow-cpu apply to workers that train (--role gpu or all), not --role cpu`, [
      { path: device !== null ? '--device' : '--allow-cpu', message: 'only for training roles' },
    ]);
  }
  const home = resolve(cwd, env.AGIQA_HOME);
  const heartbeatTimeoutMs = env.AGIQA_HEARTBEAT_TIMEOUT_S * 1000;
  return {
    env,
    role: role as WorkerRole,
    gpuQueue,
    gpuQueues,
    device,
    allowCpu: flags['allow-cpu'] ?? false,
    home,
    paths: { work: resolve(home, 'work') },
    artifacts: artifactsConfigFromEnv(env, home),
    heartbeatTimeoutMs,
    heartbeatTimeoutMaxMs: Math.max(heartbeatTimeoutMs, env.AGIQA_HEARTBEAT_TIMEOUT_MAX_S * 1000),
    // Several beats per timeout window, so one delayed beat never expires an attempt.
    heartbeatIntervalMs: Math.max(200, Math.min(10_000, Math.floor(heartbeatTimeoutMs / 4))),
    trainTimeoutMs: env.AGIQA_TRAIN_TIMEOUT_H * 3600 * 1000,
    encoders: { threads: env.AGIQA_ENCODER_THREADS ?? availableParallelism(), spinning: env.AGIQA_ENCODER_SPIN, imageBatch: env.AGIQA_EXTRACT_BATCH },
  };
}

function splitQueues(env: AgiqaEnv): string[] {
  const queues = env.AGIQA_GPU_QUEUES.split(',').map((q) => q.trim()).filter(Boolean);
  if (queues.length === 0) throw invalidInput('AGIQA_GPU_QUEUES lists no queue', [{ path: 'AGIQA_GPU_QUEUES', message: 'empty' }]);
  if (new Set(queues).size !== queues.length) {
    throw invalidInput(`AGIQA_GPU_QUEUES lists a queue twice: ${env.AGIQA_GPU_QUEUES}`, [{ path: 'AGIQA_GPU_QUEUES', message: 'duplicate' }]);
  }
  return queues;
}
