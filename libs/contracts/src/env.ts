import { z } from 'zod';
import { TFJS_BACKENDS } from './names.js';
import { DEFAULT_TASK_QUEUES } from './orchestration.js';

const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
/** A boolean environment variable (`1`/`true`/`yes` or `0`/`false`/`no`), for apps' own settings. */
export { flag as envFlag };

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
  /** Most cells one sweep (or a schedule's grid) may have; a larger grid is refused with a 400. */
  AGIQA_MAX_SWEEP_CELLS: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
  /** Largest request body the API reads, in bytes (a grid spec is a few hundred bytes). */
  AGIQA_API_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  /**
   * Origins besides the API's own that may call it from a browser (the dashboard served elsewhere,
   * e.g. `http://localhost:5173`), comma-separated. Other origins' writes are refused (CSRF).
   */
  AGIQA_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s?#]+$/, 'each origin is scheme://host[:port], without a path'))),
  /** Bearer token required by mutating API routes when set. */
  AGIQA_API_TOKEN: z.string().min(8).optional(),
  /** Folder of local models laid out as `<model id>/…` (config, tokenizer, onnx/). */
  AGIQA_MODELS_DIR: z.string().min(1).optional(),
  /** Allow model downloads from the Hugging Face hub (off by default: machines may be offline). */
  AGIQA_ALLOW_REMOTE_MODELS: flag.default(false),
  /**
   * Python interpreter of the torch training engine (one with torch, e.g. the project venv
   * `tools/.venv/bin/python` that `bash tools/setup-python.sh` creates, which is also used when this
   * is unset). Workers without one train with tfjs.
   */
  AGIQA_PYTHON: z.string().min(1).optional(),
  /** Force a tfjs backend instead of the start-up probe order. */
  AGIQA_TFJS_BACKEND: z.enum(TFJS_BACKENDS).optional(),
  /**
   * The artefact store (feature sets, checkpoints, result files, exported models):
   * `file:///absolute/folder` or `s3://bucket/prefix` on any S3-compatible service. Unset:
   * `<AGIQA_HOME>/artifacts`. Rows and workflow payloads hold keys relative to it.
   */
  AGIQA_ARTIFACTS: z.string().min(1).optional(),
  /** Bound of a worker's local cache of artefacts read from a remote store (GiB, LRU eviction). */
  AGIQA_ARTIFACT_CACHE_GB: z.coerce.number().positive().max(1_000_000).default(20),
  /** Path-style S3 addressing (`endpoint/bucket/key`). Default: on when an endpoint is set (self-hosted services), off for AWS. */
  AGIQA_S3_FORCE_PATH_STYLE: flag.optional(),
  /** The standard AWS variables, read for an `s3://` store (service-specific endpoint first). */
  AWS_ENDPOINT_URL_S3: z.url().optional(),
  AWS_ENDPOINT_URL: z.url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  /** Without a key pair the SDK's default chain applies (profiles, instance roles, web identity). */
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
});
export type AgiqaEnv = z.infer<typeof EnvSchema>;

/** What the worker reads on top of EnvSchema (apps/worker parses it once at start-up). */
export const WorkerEnvSchema = EnvSchema.extend({
  /**
   * A training attempt silent for this long is retried on another worker, resuming its checkpoint.
   * The floor: it grows to 3 × the slowest epoch measured on comparable runs.
   */
  AGIQA_HEARTBEAT_TIMEOUT_S: z.coerce.number().positive().max(3600).default(15),
  /** The ceiling of the training heartbeat timeout, however slow the epochs. */
  AGIQA_HEARTBEAT_TIMEOUT_MAX_S: z.coerce.number().positive().max(24 * 3600).default(600),
  /** Upper bound on one training attempt. */
  AGIQA_TRAIN_TIMEOUT_H: z.coerce.number().positive().max(24 * 30).default(48),
  /** CPU activities (bookkeeping, splits, feature extraction) run at once by one CPU worker. */
  AGIQA_CPU_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(256).default(4),
  /**
   * onnxruntime intra-op threads of the encoders (default: the cores this process may use).
   * Extractions run one at a time per worker, so this is the worker's whole encoder parallelism.
   */
  AGIQA_ENCODER_THREADS: z.coerce.number().int().min(1).max(1024).optional(),
  /** Let idle onnxruntime threads spin (faster hand-offs on a dedicated host; wasted cores on a shared one). */
  AGIQA_ENCODER_SPIN: flag.default(false),
  /**
   * Images per vision-encoder forward pass during extraction. 32 by measurement (BENCHMARKS.md,
   * "Extraction batch size"): throughput on CLIP ViT-B/32 is flat from 8 up, and 32 keeps the
   * pixel buffer at 19 MB.
   */
  AGIQA_EXTRACT_BATCH: z.coerce.number().int().min(1).max(1024).default(32),
  /** Intra-op threads of the torch engine (omitted: torch's default, one per physical core). */
  AGIQA_TORCH_THREADS: z.coerce.number().int().min(1).max(1024).optional(),
});
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;
