import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { EnvSchema, invalidInput, parseOrThrow, type AgiqaEnv } from '@agiqa/contracts';

export const WORKER_ROLES = ['cpu', 'gpu', 'all'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

/** Worker-only settings on top of the platform's EnvSchema. */
export const WorkerEnvSchema = EnvSchema.extend({
  /** A training attempt silent for this long is retried on another worker, resuming its checkpoint. */
  AGIQA_HEARTBEAT_TIMEOUT_S: z.coerce.number().positive().max(3600).default(60),
  /** Upper bound on one training attempt. */
  AGIQA_TRAIN_TIMEOUT_H: z.coerce.number().positive().max(24 * 30).default(48),
  /** CPU activities (bookkeeping, splits, feature extraction) run at once by one CPU worker. */
  AGIQA_CPU_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(256).default(4),
});
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

export interface WorkerConfig {
  env: WorkerEnv;
  role: WorkerRole;
  /** The GPU queue this process serves when its role includes gpu (one process per device). */
  gpuQueue: string;
  /** All GPU queues of the deployment: run workflows spread cells over them. */
  gpuQueues: string[];
  home: string;
  paths: { features: string; artifacts: string };
  heartbeatTimeoutMs: number;
  heartbeatIntervalMs: number;
  trainTimeoutMs: number;
}

export const USAGE = `usage: node apps/worker/dist/main.js [--role cpu|gpu|all] [--gpu-queue NAME]
  --role       cpu: workflows + CPU activities (AGIQA_CPU_QUEUE); gpu: training on one GPU queue;
               all (default): both in this process (the embedded stack)
  --gpu-queue  GPU queue this process serves (one process per device); one of AGIQA_GPU_QUEUES,
               default the first
Settings come from the environment (EnvSchema): AGIQA_HOME, DATABASE_URL, TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, AGIQA_CPU_QUEUE, AGIQA_GPU_QUEUES, AGIQA_TFJS_BACKEND, AGIQA_MODELS_DIR,
AGIQA_ALLOW_REMOTE_MODELS, AGIQA_HEARTBEAT_TIMEOUT_S, AGIQA_TRAIN_TIMEOUT_H, AGIQA_CPU_ACTIVITY_SLOTS.`;

/**
 * Reads flags and environment once, at start-up. Bad values fail here with the flag or variable
 * named, before anything connects.
 */
export function parseWorkerConfig(argv: readonly string[], rawEnv: NodeJS.ProcessEnv, cwd = process.cwd()): WorkerConfig {
  let flags: { role?: string; 'gpu-queue'?: string };
  try {
    flags = parseArgs({
      args: [...argv],
      options: { role: { type: 'string' }, 'gpu-queue': { type: 'string' } },
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
  const home = resolve(cwd, env.AGIQA_HOME);
  const heartbeatTimeoutMs = env.AGIQA_HEARTBEAT_TIMEOUT_S * 1000;
  return {
    env,
    role: role as WorkerRole,
    gpuQueue,
    gpuQueues,
    home,
    paths: { features: resolve(home, 'features'), artifacts: resolve(home, 'artifacts') },
    heartbeatTimeoutMs,
    // Several beats per timeout window, so one delayed beat never expires an attempt.
    heartbeatIntervalMs: Math.max(200, Math.min(10_000, Math.floor(heartbeatTimeoutMs / 4))),
    trainTimeoutMs: env.AGIQA_TRAIN_TIMEOUT_H * 3600 * 1000,
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
