// The worker process: `node apps/worker/dist/main.js [--role cpu|gpu|all] [--gpu-queue NAME] [--device N] [--allow-cpu]`.
// Parses configuration once, sets up the training engines (tfjs, and torch where a Python with it
// exists; a gpu worker proves its GPU or refuses to start), connects Postgres and Temporal, runs
// the workers until SIGINT/SIGTERM, then closes everything.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { openArtifacts, S3ArtifactStore } from '@agiqa/artifacts';
import { hostname } from 'node:os';
import { AgiqaError, workerIdentity } from '@agiqa/contracts';
import { createDb } from '@agiqa/db';
import { findTorchPython, machineInfo } from '@agiqa/model';
import { createActivities, MODEL_ENCODER_TOOLKIT } from './activities/index.js';
import { parseWorkerConfig, USAGE } from './config.js';
import { detectEngines, engineIdentity } from './engines.js';
import { createWorkers, isForcedShutdown } from './worker.js';

const log = (message: string) => console.log(`[agiqa worker] ${message}`);

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const config = parseWorkerConfig(process.argv.slice(2), process.env);
  const { env, role } = config;

  const trains = role !== 'cpu';
  // Before anything loads CUDA (libtensorflow in this process, torch in the engine's): the pinned
  // GPU is the only one either engine sees, as device 0.
  if (config.device !== null) process.env.CUDA_VISIBLE_DEVICES = String(config.device);
  const engines = trains
    ? await detectEngines({
        role,
        device: config.device,
        allowCpu: config.allowCpu,
        tfjsBackend: env.AGIQA_TFJS_BACKEND,
        python: findTorchPython(env),
        torchThreads: env.AGIQA_TORCH_THREADS,
      })
    : null;
  for (const line of engines?.report ?? []) log(line);

  const databaseUrl = env.DATABASE_URL;
  const inProcessPglite = databaseUrl === undefined || databaseUrl.startsWith('pglite:');
  // An in-process PGlite belongs to this process alone, so it migrates it; a server is migrated by
  // whoever runs it (the embedded gateway, `agiqa up --database-url`, CI).
  const db = await createDb({ url: databaseUrl, home: config.home, migrate: inProcessPglite });
  log(`database: ${db.kind}`);
  const artifacts = openArtifacts(config.artifacts);
  try {
    // A wrong bucket or key pair fails here, naming what to fix, not in the first cell.
    await artifacts.store.check();
    // Parts of multipart uploads whose uploader was killed a day ago or more: never a key, only space.
    if (role !== 'gpu' && artifacts.store instanceof S3ArtifactStore) await artifacts.store.abortIncompleteUploads(24 * 3600_000);
  } catch (error) {
    await db.close();
    throw error;
  }
  log(`artefact store: ${artifacts.location}`);

  let nativeConnection: NativeConnection | undefined;
  let clientConnection: Connection | undefined;
  try {
    nativeConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    clientConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  } catch (error) {
    await artifacts.close();
    await db.close();
    throw new AgiqaError('unavailable', `Temporal is not reachable at ${env.TEMPORAL_ADDRESS}: ${(error as Error).message}`);
  }
  const temporal = new Client({ connection: clientConnection, namespace: env.TEMPORAL_NAMESPACE });
  const activities = createActivities({
    prisma: db.prisma,
    temporal,
    cpuQueue: env.AGIQA_CPU_QUEUE,
    gpuQueues: config.gpuQueues,
    artifacts,
    paths: config.paths,
    models: { modelsDir: env.AGIQA_MODELS_DIR, allowRemote: env.AGIQA_ALLOW_REMOTE_MODELS, ...config.encoders },
    encoders: MODEL_ENCODER_TOOLKIT,
    engines,
    machine: {
      ...machineInfo(engines?.tfjsBackend ?? null),
      // Runs name the device they trained on (training.activities); never every GPU of the host.
      gpu: null,
      ...(trains ? { gpuQueue: config.gpuQueue } : {}),
      ...(config.device !== null ? { deviceIndex: config.device } : {}),
    },
    log,
    timing: {
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      heartbeatTimeoutMaxMs: config.heartbeatTimeoutMaxMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      trainTimeoutMs: config.trainTimeoutMs,
    },
  });

  const started = performance.now();
  const workers = await createWorkers({
    connection: nativeConnection,
    namespace: env.TEMPORAL_NAMESPACE,
    role,
    cpuQueue: env.AGIQA_CPU_QUEUE,
    gpuQueue: config.gpuQueue,
    activities,
    cpuActivitySlots: env.AGIQA_CPU_ACTIVITY_SLOTS,
    heartbeatThrottleMs: config.heartbeatIntervalMs,
    // What `agiqa workers` shows: engine and device per worker, read back from Temporal's task-queue description.
    identity: workerIdentity({
      pid: process.pid,
      host: hostname(),
      role,
      ...(engines ? engineIdentity(engines, config.device) : { engine: 'none' }),
    }),
  });
  const queues = [role !== 'gpu' ? `cpu ${env.AGIQA_CPU_QUEUE}` : null, trains ? `gpu ${config.gpuQueue}` : null].filter(Boolean);
  log(`workers created in ${Math.round(performance.now() - started)} ms`);
  log(`agiqa worker ready: role ${role}, ${queues.join(', ')}, temporal ${env.TEMPORAL_ADDRESS}/${env.TEMPORAL_NAMESPACE}, home ${config.home}, artefacts ${artifacts.location}, pid ${process.pid}`);

  try {
    // Temporal's runtime shuts the workers down on SIGINT/SIGTERM (running activities get the grace
    // time, then are cancelled and retried elsewhere); run() returns after that.
    await Promise.all(workers.map((w) => w.run()));
  } catch (error) {
    if (isForcedShutdown(error)) {
      // An activity ignored its cancellation and still runs: nothing else would end the process,
      // and closing what it uses could wait on it. Its cell resumes elsewhere after its heartbeat timeout.
      log('an activity did not stop within the shutdown grace period (+20 s); exiting without it');
      process.exit(1);
    }
    throw error;
  } finally {
    log('shutting down');
    await clientConnection.close();
    await nativeConnection.close();
    await artifacts.close();
    await db.close();
    log('stopped');
  }
}

main().catch((error: unknown) => {
  const message = error instanceof AgiqaError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`[agiqa worker] ${message}`);
  process.exitCode = error instanceof AgiqaError && error.code === 'invalid_input' ? 2 : 1;
});
