import { z } from 'zod';
import { TFJS_BACKENDS } from './names.js';
import { DEFAULT_TASK_QUEUES } from './orchestration.js';

const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/**
 * Every environment variable the platform reads, parsed once at boot by each app. Paths are
 * resolved against the working directory by the caller.
 */
export const EnvSchema = z.object({
  /** Project data folder: embedded database, Temporal dev database, artifacts, caches, logs. */
  AGIQA_HOME: z.string().min(1).default('.agiqa'),
  /**
   * `postgres://…` for a PostgreSQL server (or the embedded PGlite gateway), `pglite:<dir>` or
   * `pglite:memory` for an in-process PGlite. Omitted: in-process PGlite under AGIQA_HOME.
   */
  DATABASE_URL: z.string().min(1).optional(),
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  AGIQA_CPU_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUES.cpu),
  /** Comma-separated GPU queue names; a worker process serves one of them (one per device). */
  AGIQA_GPU_QUEUES: z.string().min(1).default(DEFAULT_TASK_QUEUES.gpu),
  AGIQA_API_HOST: z.string().min(1).default('127.0.0.1'),
  /** 0: a free port chosen at start-up (the API prints the URL it got). */
  /** 0 = a free port (the ready line prints it). An empty value is an error, not 0. */
  AGIQA_API_PORT: z
    .string()
    .regex(/^\d+$/, 'must be a port number (0 for a free one)')
    .transform(Number)
    .pipe(z.int().min(0).max(65535))
    .default(8750),
  /** Bearer token required by mutating API routes when set. */
  AGIQA_API_TOKEN: z.string().min(8).optional(),
  /** Folder of local models laid out as `<model id>/…` (config, tokenizer, onnx/). */
  AGIQA_MODELS_DIR: z.string().min(1).optional(),
  /** Allow model downloads from the Hugging Face hub (off by default: machines may be offline). */
  AGIQA_ALLOW_REMOTE_MODELS: flag.default(false),
  /** Force a tfjs backend instead of the start-up probe order. */
  AGIQA_TFJS_BACKEND: z.enum(TFJS_BACKENDS).optional(),
});
export type AgiqaEnv = z.infer<typeof EnvSchema>;
