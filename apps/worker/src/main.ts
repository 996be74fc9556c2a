// The worker process: `node apps/worker/dist/main.js [--role cpu|gpu|all] [--gpu-queue NAME]`.
// Parses configuration once, initialises the tfjs backend, connects Postgres and Temporal, runs
// the workers until SIGINT/SIGTERM, then closes everything.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { AgiqaError } from '@agiqa/contracts';
import { createDb } from '@agiqa/db';
import { initTfjsBackend, machineInfo, trainHead } from '@agiqa/model';
import { createActivities, MODEL_ENCODER_TOOLKIT } from './activities/index.js';
import { parseWorkerConfig, USAGE } from './config.js';
import { createWorkers } from './worker.js';

const log = (message: string) => console.log(`[agiqa worker] ${message}`);

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const config = parseWorkerConfig(process.argv.slice(2), process.env);
  const { env, role } = config;

  const trains = role !== 'cpu';
  const backend = trains ? (await initTfjsBackend(env.AGIQA_TFJS_BACKEND)).name : 'none';
  if (trains) log(`tfjs backend: ${backend}`);

  const databaseUrl = env.DATABASE_URL;
  const inProcessPglite = databaseUrl === undefined || databaseUrl.startsWith('pglite:');
  // An in-process PGlite belongs to this process alone, so it migrates it; a server is migrated by
  // whoever runs it (the embedded gateway, `agiqa up --database-url`, CI).
  const db = await createDb({ url: databaseUrl, home: config.home, migrate: inProcessPglite });
  log(`database: ${db.kind}`);

  let nativeConnection: NativeConnection | undefined;
  let clientConnection: Connection | undefined;
  try {
    nativeConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    clientConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  } catch (error) {
    await db.close();
    throw new AgiqaError('unavailable', `Temporal is not reachable at ${env.TEMPORAL_ADDRESS}: ${(error as Error).message}`);
  }
  const temporal = new Client({ connection: clientConnection, namespace: env.TEMPORAL_NAMESPACE });
  const activities = createActivities({
    prisma: db.prisma,
    temporal,
    cpuQueue: env.AGIQA_CPU_QUEUE,
    gpuQueues: config.gpuQueues,
    paths: config.paths,
    models: { modelsDir: env.AGIQA_MODELS_DIR, allowRemote: env.AGIQA_ALLOW_REMOTE_MODELS },
    encoders: MODEL_ENCODER_TOOLKIT,
    trainer: trainHead,
    backend,
    machine: { ...machineInfo(backend), ...(trains ? { gpuQueue: config.gpuQueue } : {}) },
    timing: { heartbeatTimeoutMs: config.heartbeatTimeoutMs, heartbeatIntervalMs: config.heartbeatIntervalMs, trainTimeoutMs: config.trainTimeoutMs },
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
  });
  const queues = [role !== 'gpu' ? `cpu ${env.AGIQA_CPU_QUEUE}` : null, trains ? `gpu ${config.gpuQueue}` : null].filter(Boolean);
  log(`workers created in ${Math.round(performance.now() - started)} ms`);
  log(`agiqa worker ready: role ${role}, ${queues.join(', ')}, temporal ${env.TEMPORAL_ADDRESS}/${env.TEMPORAL_NAMESPACE}, home ${config.home}, pid ${process.pid}`);

  try {
    // Temporal's runtime shuts the workers down on SIGINT/SIGTERM (running activities get the grace
    // time, then are cancelled and retried elsewhere); run() returns after that.
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    log('shutting down');
    await clientConnection.close();
    await nativeConnection.close();
    await db.close();
    log('stopped');
  }
}

main().catch((error: unknown) => {
  const message = error instanceof AgiqaError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`[agiqa worker] ${message}`);
  process.exitCode = error instanceof AgiqaError && error.code === 'invalid_input' ? 2 : 1;
});
