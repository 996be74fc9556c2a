/**
 * Integration-test harness: a real Temporal dev server, a real database (in-process PGlite with
 * migrations), a synthetic dataset registered through libs/data + libs/db, the tiny encoder
 * fixtures, and in-process workers running the real activities. Test-only: excluded from the build.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { Artifacts, FileArtifactStore } from '@agiqa/artifacts';
import { GridSpecSchema, type GridSpecInput } from '@agiqa/contracts';
import { loadDataset, synthesizeDataset } from '@agiqa/data';
import { createSweep, registerDataset, type Db } from '@agiqa/db';
import { createTestDb } from '@agiqa/db/testing';
import { findTorchPython, machineInfo } from '@agiqa/model';
import { rememberCpuQueue } from '@agiqa/orchestration';
import { startTestTemporal } from '@agiqa/orchestration/testing';
import { createActivities, MODEL_ENCODER_TOOLKIT, type ActivityDeps } from '../activities/index.js';
import { bundlerOptions, workflowsPath } from '../bundle.js';
import type { WorkerRole } from '../config.js';
import { detectEngines } from '../engines.js';
import { createWorkers, isForcedShutdown } from '../worker.js';

// Workers log at INFO by default, and the tests fail cells on purpose: keep test output to errors.
// Once per process, before any worker.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // already installed by an earlier import in this process
}

let bundle: Promise<{ code: string }> | undefined;

/** The workflow code, bundled once per test process (webpack takes ~1.5 s). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath, ...bundlerOptions(), logger: quietLogger });
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/** A small grid the tests vary: tiny encoders, tiny head, few epochs. */
export function tinyGrid(overrides: Partial<GridSpecInput> = {}): GridSpecInput {
  return {
    encoders: ['tiny-bert'],
    fusions: ['concat'],
    datasets: ['synth'],
    imageEncoder: 'tiny-clip',
    seeds: [0],
    epochs: 2,
    batchSize: 16,
    learningRate: 1e-3,
    head: { hiddenUnits: 16, attentionHeads: 2 },
    maxParallel: 2,
    ...overrides,
  };
}

export interface HarnessOptions {
  /** Synthetic images (50 is the generator's minimum). */
  images?: number;
  /** Give the workers the torch engine too (a Python from AGIQA_PYTHON or tools/.venv; see torchAvailable). */
  torch?: boolean;
  heartbeatTimeoutMs?: number;
  /** The artefact store (default: a folder store under the harness's home). */
  artifacts?: Artifacts;
  /** The database to use (migrated; the caller closes it). Default: a fresh in-memory PGlite. */
  db?: Db;
}

export interface Harness {
  env: TestWorkflowEnvironment;
  db: Db;
  home: string;
  cpuQueue: string;
  gpuQueue: string;
  deps: ActivityDeps;
  /** How often each extraction function really ran (the FeatureWorkflow dedupe shows here). */
  extractions: { text: number; image: number };
  /** When each extraction ran (performance.now() ms), in start order. */
  extractionSpans: { kind: 'text' | 'image'; start: number; end: number }[];
  /**
   * Starts in-process workers; stop them with the returned function. `wrap` may decorate the
   * activities (the orchestration benchmark times their bodies).
   */
  startWorkers(role?: WorkerRole, options?: { wrap?: (a: Activities) => Activities; cpuActivitySlots?: number }): Promise<() => Promise<void>>;
  newSweep(grid?: GridSpecInput): Promise<{ sweepId: string; runIds: string[] }>;
  close(): Promise<void>;
}

type Activities = ReturnType<typeof createActivities>;

let harnesses = 0;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const suffix = `${process.pid}-${harnesses++}`;
  const cpuQueue = `agiqa-cpu-test-${suffix}`;
  const gpuQueue = `agiqa-gpu-test-${suffix}`;
  const home = await mkdtemp(join(tmpdir(), 'agiqa-worker-test-'));
  const ownsDb = options.db === undefined;
  const [env, db, engines] = await Promise.all([
    startTestTemporal(),
    options.db ?? createTestDb(),
    detectEngines({ role: 'all', device: null, allowCpu: false, tfjsBackend: 'wasm', python: options.torch ? findTorchPython(process.env) : null, torchThreads: 1 }),
  ]);
  rememberCpuQueue(env.client, cpuQueue);

  const data = join(home, 'synth');
  await synthesizeDataset({ outDir: data, images: options.images ?? 50, seed: 7 });
  await registerDataset(db.prisma, 'synth', await loadDataset({ format: 'agiqa3k', root: data, checkImages: true }));

  const extractions = { text: 0, image: 0 };
  const extractionSpans: Harness['extractionSpans'] = [];
  const span = async <T>(kind: 'text' | 'image', work: () => Promise<T>): Promise<T> => {
    extractions[kind] += 1;
    const entry = { kind, start: performance.now(), end: Number.NaN };
    extractionSpans.push(entry);
    try {
      return await work();
    } finally {
      entry.end = performance.now();
    }
  };
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 10_000;
  const deps: ActivityDeps = {
    prisma: db.prisma,
    temporal: env.client,
    cpuQueue,
    gpuQueues: [gpuQueue],
    artifacts: options.artifacts ?? new Artifacts(new FileArtifactStore(join(home, 'artifacts')), undefined),
    paths: { work: join(home, 'work') },
    models: { allowRemote: false },
    encoders: {
      ...MODEL_ENCODER_TOOLKIT,
      extractTextFeatures: (o) => span('text', () => MODEL_ENCODER_TOOLKIT.extractTextFeatures(o)),
      extractImageFeatures: (o) => span('image', () => MODEL_ENCODER_TOOLKIT.extractImageFeatures(o)),
    },
    engines,
    machine: { ...machineInfo(engines.tfjsBackend), gpu: null, gpuQueue },
    timing: { heartbeatTimeoutMs, heartbeatTimeoutMaxMs: 10 * heartbeatTimeoutMs, heartbeatIntervalMs: Math.max(200, heartbeatTimeoutMs / 4), trainTimeoutMs: 10 * 60_000 },
  };
  const activities = createActivities(deps);
  const running = new Set<() => Promise<void>>();

  return {
    env,
    db,
    home,
    cpuQueue,
    gpuQueue,
    deps,
    extractions,
    extractionSpans,
    async startWorkers(role: WorkerRole = 'all', options = {}) {
      const workers: Worker[] = await createWorkers({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        role,
        cpuQueue,
        gpuQueue,
        activities: options.wrap ? options.wrap(activities) : activities,
        cpuActivitySlots: options.cpuActivitySlots,
        workflows: { workflowBundle: await workflowBundle() },
        shutdownGraceMs: 1_000,
        heartbeatThrottleMs: deps.timing.heartbeatIntervalMs,
      });
      // A stop that had to give up on an activity (20 s after the grace) is left behind like one
      // that does not end: a warning naming what was stuck, not this test's failure.
      const done = Promise.all(workers.map((w) => w.run())).catch((error: unknown) => {
        if (!isForcedShutdown(error)) throw error;
        console.warn(`test workers forced to stop: ${describeStuckWorkers(workers)}`);
      });
      const stop = async () => {
        running.delete(stop);
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await settledWithin(done, WORKER_STOP_TIMEOUT_MS, () => describeStuckWorkers(workers));
      };
      running.add(stop);
      return stop;
    },
    async newSweep(grid = tinyGrid()) {
      const { sweep, runs } = await createSweep(db.prisma, { grid: GridSpecSchema.parse(grid) });
      return { sweepId: sweep.id, runIds: runs.map((r) => r.id) };
    },
    async close() {
      for (const stop of [...running]) await stop();
      await env.teardown();
      if (ownsDb) await db.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * How long stopping a harness's workers may take. Shutdown waits for every activity the workers
 * still run (1 s grace, then cancellation); seen once under heavy load after the database-outage
 * spec, a worker never finished shutting down and the file's teardown hook timed out after its
 * assertions had passed. A stop that takes longer is reported (what is still in flight) and left
 * behind, instead of hanging the suite.
 */
const WORKER_STOP_TIMEOUT_MS = 60_000;

/** Waits for `work` at most `timeoutMs`; past that, warns with `describe()` and returns. */
export async function settledWithin(work: Promise<unknown>, timeoutMs: number, describe: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const outcome = await Promise.race([work, late]).finally(() => clearTimeout(timer));
  if (outcome === 'late') {
    // A stop left behind may still reject once the server is gone: that is not this test's failure.
    work.catch(() => undefined);
    console.warn(`test workers did not stop within ${timeoutMs / 1000} s; left behind: ${describe()}`);
  }
}

/** Each worker's task queue, state and what it still has in flight (Temporal's worker status). */
function describeStuckWorkers(workers: Worker[]): string {
  return workers
    .map((w) => {
      const status = w.getStatus();
      return `${w.options.taskQueue} ${w.getState()} (activities in flight ${status.numInFlightActivities}, workflow activations ${status.numInFlightWorkflowActivations})`;
    })
    .join('; ');
}

/** Polls `probe` every `intervalMs` until it returns a value (not undefined). */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
