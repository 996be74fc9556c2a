import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import { S3ArtifactStore } from '@agiqa/artifacts';
import { s3Available, startTestS3, type TestS3 } from '@agiqa/artifacts/testing';
import { GridSpecSchema, workflowIds, type GridSpecInput } from '@agiqa/contracts';
import { loadDataset, synthesizeDataset } from '@agiqa/data';
import { createDb, createSweep, registerDataset, type Db } from '@agiqa/db';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '@agiqa/db/testing';
import { startSweep } from '@agiqa/orchestration';
import { startTestTemporal } from '@agiqa/orchestration/testing';
import { requireStackBuilt } from './cli.js';
import { filesUnder, startMachine, type Machine } from './machines.js';

/**
 * The crash test across machines (#11): real PostgreSQL, the Temporal dev server, a real S3 server
 * (versitygw), one CPU worker and two GPU-queue workers, each a separate process with its own
 * AGIQA_HOME and nothing shared on disk. The dataset lives in the CPU machine's home (it is the
 * only one that reads images); everything else goes through the artefact store.
 */
const postgres = postgresAvailable();
const s3 = s3Available();
const skip = !postgres.ok || !s3.ok;
const why = [postgres.ok ? '' : postgres.reason, s3.ok ? '' : s3.reason].filter(Boolean).join('; ');
const EPOCHS = 40;
const CPU_QUEUE = `machines-cpu-${process.pid}`;
const GPU_QUEUE = `machines-gpu-${process.pid}`;
/** GPU-queue workers on a machine without a GPU (CI): they train, and record that they trained, on the CPU. */
const GPU_ARGS = ['--role', 'gpu', '--gpu-queue', GPU_QUEUE, '--allow-cpu'];

function grid(seeds: number[], epochs = EPOCHS): GridSpecInput {
  return {
    encoders: ['tiny-bert'],
    fusions: ['concat'],
    datasets: ['synth'],
    imageEncoder: 'tiny-clip',
    seeds,
    epochs,
    batchSize: 16,
    learningRate: 1e-3,
    head: { hiddenUnits: 16, attentionHeads: 2 },
    maxParallel: 2,
  };
}

describe.skipIf(skip)(`a sweep across machines that share nothing but the services${skip ? ` (skipped: ${why})` : ''}`, () => {
  let temporal: TestWorkflowEnvironment;
  let pg: TestPostgres;
  let server: TestS3;
  let db: Db;
  let store: S3ArtifactStore;
  let env: Record<string, string>;
  let cpu: Machine;
  let gpus: Machine[] = [];
  let datasetHome: string;

  beforeAll(async () => {
    requireStackBuilt();
    [temporal, pg, server, datasetHome] = await Promise.all([startTestTemporal(), startTestPostgres(), startTestS3(), mkdtemp(join(tmpdir(), 'agiqa-machines-data-'))]);
    db = await createDb({ url: pg.url, migrate: true });
    store = new S3ArtifactStore({ ...server.settings, prefix: 'agiqa' });
    env = {
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      AGIQA_CPU_QUEUE: CPU_QUEUE,
      AGIQA_GPU_QUEUES: GPU_QUEUE,
      AGIQA_TFJS_BACKEND: 'wasm',
      // Short, so that the retry on the other machine comes quickly after the kill.
      AGIQA_HEARTBEAT_TIMEOUT_S: '2',
      ...server.env('agiqa'),
    };
    cpu = await startMachine('cpu', ['--role', 'cpu'], env);
    // The CPU machine reads the dataset's images (feature extraction): it lives on its disk only.
    const root = join(cpu.home, 'datasets', 'synth');
    await synthesizeDataset({ outDir: root, images: 50, seed: 7 });
    await registerDataset(db.prisma, 'synth', await loadDataset({ format: 'agiqa3k', root, checkImages: true }));
    gpus = await Promise.all([startMachine('gpu-a', GPU_ARGS, env), startMachine('gpu-b', GPU_ARGS, env)]);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([cpu, ...gpus].filter(Boolean).map((m) => m.stop().catch(() => undefined)));
    await store?.close();
    await db?.close();
    await pg?.stop();
    await server?.stop();
    await temporal?.teardown();
    for (const m of [cpu, ...gpus].filter(Boolean)) await rm(m.home, { recursive: true, force: true });
    if (datasetHome) await rm(datasetHome, { recursive: true, force: true });
  });

  async function runSweep(seeds: number[], epochs = EPOCHS) {
    const { sweep, runs } = await createSweep(db.prisma, { grid: GridSpecSchema.parse(grid(seeds, epochs)) });
    const started = await startSweep(temporal.client, { sweepId: sweep.id, taskQueue: CPU_QUEUE });
    return { sweepId: sweep.id, runIds: runs.map((r) => r.id), handle: temporal.client.workflow.getHandle(started.workflowId) };
  }

  /** How a sweep ended, with each unfinished or failed cell's status, attempts and error (so a failure says why). */
  async function outcomeOf(sweep: { sweepId: string; handle: { result(): Promise<unknown> } }) {
    const outcome = (await sweep.handle.result()) as { status: string };
    const cells = await db.prisma.run.findMany({ where: { sweepId: sweep.sweepId, status: { not: 'completed' } }, select: { cellKey: true, status: true, error: true, attempts: true } });
    return { status: outcome.status, cellsNotCompleted: cells };
  }

  const epochRows = (runId: string) => db.prisma.epochMetric.findMany({ where: { runId }, orderBy: { epoch: 'asc' } });
  const predictionRows = (runId: string) =>
    db.prisma.prediction.findMany({ where: { runId }, orderBy: { itemId: 'asc' }, select: { itemId: true, predicted: true, mos: true } });
  const runRow = (id: string) => db.prisma.run.findUniqueOrThrow({ where: { id }, include: { attemptsLog: true } });

  /** The run, its epochs and predictions equal the reference run's, once each. */
  async function expectSameAsReference(runId: string, referenceId: string, epochs = EPOCHS) {
    const [run, ref] = await Promise.all([runRow(runId), runRow(referenceId)]);
    expect(run.status).toBe('completed');
    for (const metric of ['srcc', 'plcc', 'plccLogistic', 'krcc', 'rmse', 'reportedEpoch'] as const) expect(run[metric]).toBe(ref[metric]);
    expect(run.attemptsLog.map((a) => [a.attempt, a.status])).toEqual([[1, 'completed']]);
    const [runEpochs, refEpochs] = await Promise.all([epochRows(runId), epochRows(referenceId)]);
    expect(runEpochs.map((e) => e.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
    expect(runEpochs.map((e) => [e.trainLoss, e.testSrcc, e.testPlcc])).toEqual(refEpochs.map((e) => [e.trainLoss, e.testSrcc, e.testPlcc]));
    const [runPredictions, refPredictions] = await Promise.all([predictionRows(runId), predictionRows(referenceId)]);
    const manifest = await db.prisma.splitManifest.findUniqueOrThrow({ where: { id: run.splitManifestId as string } });
    expect(runPredictions).toHaveLength(manifest.testKeys.length);
    expect(runPredictions).toEqual(refPredictions);
    // trainer auto: the torch engine where the workers found the project's Python (CI), else tfjs.
    expect(run.engine).toBe(ref.engine);
    if (process.env['AGIQA_REQUIRE_PYTHON'] === '1') expect(run.engine).toBe('torch');
    const checkpointFile = run.engine === 'torch' ? 'latest.safetensors' : 'latest.ckpt';
    expect(run.checkpointKey).toBe(`runs/${runId}/attempt-1/checkpoints/${checkpointFile}`);
  }

  /** The GPU machine whose worker holds the run's training activity now, once it has trained `epochs` epochs. */
  async function trainerOf(runId: string, epochs: number): Promise<Machine> {
    const handle = temporal.client.workflow.getHandle(workflowIds.run(runId, 1));
    const deadline = Date.now() + 300_000;
    for (;;) {
      const done = await db.prisma.epochMetric.count({ where: { runId } });
      if (done >= epochs) {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        const identity = pending.find((a) => a.activityType?.name === 'trainRun')?.lastWorkerIdentity ?? '';
        const machine = gpus.find((m) => identity.startsWith(`${m.child.pid}@`));
        if (machine) return machine;
      }
      if (Date.now() > deadline) throw new Error(`run ${runId} did not reach epoch ${epochs} on a GPU machine`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('resumes a cell whose machine is killed mid-epoch on the other machine, from the checkpoint in the store', async () => {
    // Reference: the cell trained without interruption (it also extracts and stores the features).
    const reference = await runSweep([5]);
    expect(await outcomeOf(reference)).toEqual({ status: 'completed', cellsNotCompleted: [] });

    const sweep = await runSweep([5, 6]);
    const crashedRun = sweep.runIds[0];
    const victim = await trainerOf(crashedRun, 3);
    // Freeze first (the kill lands mid-training however fast this machine trains), then kill -9.
    victim.child.kill('SIGSTOP');
    const epochsBeforeKill = await db.prisma.epochMetric.count({ where: { runId: crashedRun } });
    expect(epochsBeforeKill).toBeLessThan(EPOCHS);
    await victim.crash();
    expect(await victim.exited).toBe('SIGKILL');

    expect(await outcomeOf(sweep)).toEqual({ status: 'completed', cellsNotCompleted: [] });
    const survivor = gpus.find((m) => m !== victim) as Machine;

    // The training activity was retried once (attempt 2) on the survivor, from a stored checkpoint.
    const history = await temporal.client.workflow.getHandle(workflowIds.run(crashedRun, 1)).fetchHistory();
    const retries = history.events?.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) ?? [];
    expect(retries.map((e) => e.activityTaskStartedEventAttributes?.identity?.startsWith(`${survivor.child.pid}@`))).toEqual([true]);
    const completed = history.events?.flatMap((e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? []) ?? [];
    const trained = completed.map((p) => defaultPayloadConverter.fromPayload(p) as { resultKey?: string; resumedFromEpoch?: number }).find((r) => r?.resultKey);
    expect(trained?.resumedFromEpoch).toBeGreaterThanOrEqual(1);

    await expectSameAsReference(crashedRun, reference.runIds[0]);
    expect((await runRow(sweep.runIds[1])).status).toBe('completed');
    // One feature set per kind, stored once; the checkpoint and result of every cell in the bucket.
    expect(await db.prisma.featureSet.count()).toBe(2);
    for (const runId of sweep.runIds) expect(await store.stat(`runs/${runId}/attempt-1/result.json`)).not.toBeNull();
    // Nothing shared on disk: the survivor kept no run files, only its cache of what it read.
    expect((await filesUnder(survivor.home)).filter((f) => !f.startsWith('cache/'))).toEqual([]);
    // The dead machine is replaced, as an operator would.
    gpus = [survivor, await startMachine('gpu-c', GPU_ARGS, env)];
  }, 600_000);

  it('keeps a sweep going through an outage of the S3 server: cells wait and retry, nothing is lost', async () => {
    const reference = await runSweep([7, 8], 20);
    expect(await outcomeOf(reference)).toEqual({ status: 'completed', cellsNotCompleted: [] });

    const sweep = await runSweep([7, 8], 20);
    await trainerOf(sweep.runIds[0], 2);
    await server.down();
    // Long enough for training to lose checkpoint uploads and new activities to fail and retry.
    await new Promise((r) => setTimeout(r, 8_000));
    await server.up();

    expect(await outcomeOf(sweep)).toEqual({ status: 'completed', cellsNotCompleted: [] });
    // The outage was felt (store calls failed as unavailable and were retried or waited out)…
    expect([cpu, ...gpus].map((m) => m.output()).join('\n')).toMatch(/artefact store s3:\/\/[^:]+: \w+ [^:]+: .*(ECONNREFUSED|connect)/);
    // …and nothing was lost: every cell has the numbers of the uninterrupted sweep, once.
    for (const [i, runId] of sweep.runIds.entries()) await expectSameAsReference(runId, reference.runIds[i], 20);
  }, 600_000);
});
