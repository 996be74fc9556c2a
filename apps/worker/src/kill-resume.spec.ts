import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import { GridSpecSchema, workflowIds } from '@agiqa/contracts';
import { loadDataset, synthesizeDataset } from '@agiqa/data';
import { createDb, createSweep, registerDataset, type Db } from '@agiqa/db';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '@agiqa/db/testing';
import { startSweep } from '@agiqa/orchestration';
import { startTestTemporal } from '@agiqa/orchestration/testing';
import { tinyGrid, waitFor } from './testing/harness.js';
import { startWorkerProcess, type WorkerProcess } from './testing/worker-process.js';
import type { SweepOutcome, TrainOutcome } from './workflows/types.js';

// The worker must be a separate OS process to be killed with SIGKILL; it and this test share a
// real PostgreSQL server (PGlite is single-process) and the AGIQA_HOME folder (checkpoints).
const postgres = postgresAvailable();
const EPOCHS = 60;

describe.skipIf(!postgres.ok)(`kill -9 during training${postgres.ok ? '' : ` (skipped: ${postgres.reason})`}`, () => {
  let env: TestWorkflowEnvironment;
  let pg: TestPostgres;
  let db: Db;
  let home: string;
  let workerEnv: NodeJS.ProcessEnv;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [env, pg, home] = await Promise.all([startTestTemporal(), startTestPostgres(), mkdtemp(join(tmpdir(), 'agiqa-kill-'))]);
    db = await createDb({ url: pg.url, migrate: true });
    await synthesizeDataset({ outDir: join(home, 'synth'), images: 50, seed: 7 });
    await registerDataset(db.prisma, 'synth', await loadDataset({ format: 'agiqa3k', root: join(home, 'synth'), checkImages: true }));
    workerEnv = {
      AGIQA_HOME: home,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      AGIQA_CPU_QUEUE: `kill-cpu-${process.pid}`,
      AGIQA_GPU_QUEUES: `kill-gpu-${process.pid}`,
      AGIQA_TFJS_BACKEND: 'wasm',
      // Short, so that the retry on the new worker comes quickly after the kill.
      AGIQA_HEARTBEAT_TIMEOUT_S: '2',
    };
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await db?.close();
    await pg?.stop();
    await env?.teardown();
    await rm(home, { recursive: true, force: true });
  });

  async function runSweep(): Promise<{ sweepId: string; runId: string; workflowId: string }> {
    const { sweep, runs } = await createSweep(db.prisma, { grid: GridSpecSchema.parse(tinyGrid({ epochs: EPOCHS, seeds: [5] })) });
    const started = await startSweep(env.client, { sweepId: sweep.id, taskQueue: workerEnv.AGIQA_CPU_QUEUE });
    return { sweepId: sweep.id, runId: runs[0].id, workflowId: started.workflowId };
  }

  it('resumes from the last checkpoint on a new worker with the numbers of an uninterrupted run and no duplicate rows', async () => {
    const first = await startWorkerProcess(workerEnv);
    workers.push(first);

    // Reference: the same cell (same grid, same seed) trained without interruption.
    const reference = await runSweep();
    await env.client.workflow.getHandle(reference.workflowId).result();

    const crashed = await runSweep();
    const runWorkflow = env.client.workflow.getHandle(workflowIds.run(crashed.runId, 1));
    // Freeze the worker (SIGSTOP) as soon as training has written its first epochs, so the kill
    // lands mid-training however fast this machine trains; then read what the server holds and
    // kill it for real. Heartbeats are throttled, so the server may hold an older epoch than the
    // last checkpoint (or none yet): the new worker must resume from whichever is newer.
    await waitFor(async () => {
      const done = await db.prisma.epochMetric.count({ where: { runId: crashed.runId } });
      return done >= 2 ? done : undefined;
    }, 'the first epochs of the crashed run', 120_000, 10);
    first.child.kill('SIGSTOP');
    const epochsBeforeKill = await db.prisma.epochMetric.count({ where: { runId: crashed.runId } });
    expect(epochsBeforeKill).toBeLessThan(EPOCHS);
    const pending = (await runWorkflow.describe()).raw.pendingActivities ?? [];
    const payload = pending.find((a) => a.activityType?.name === 'trainRun')?.heartbeatDetails?.payloads?.[0];
    const heartbeatEpoch = payload ? (defaultPayloadConverter.fromPayload(payload) as { epoch: number }).epoch : 0;
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    workers.push(await startWorkerProcess(workerEnv));
    const outcome = (await env.client.workflow.getHandle(crashed.workflowId).result()) as SweepOutcome;
    expect(outcome.status).toBe('completed');

    // The training activity was retried (attempt 2) and resumed from a checkpoint, not from scratch.
    const history = await runWorkflow.fetchHistory();
    const trainStarts = history.events?.filter((e) => e.activityTaskStartedEventAttributes?.attempt === 2) ?? [];
    expect(trainStarts.length).toBe(1);
    const results = history.events?.flatMap((e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? []) ?? [];
    const trained = results.map((p) => defaultPayloadConverter.fromPayload(p) as Partial<TrainOutcome>).find((r) => r?.resultUri);
    expect(trained?.resumedFromEpoch).toBeGreaterThanOrEqual(Math.max(1, heartbeatEpoch));

    const [ref, run] = await Promise.all(
      [reference.runId, crashed.runId].map((id) => db.prisma.run.findUniqueOrThrow({ where: { id }, include: { attemptsLog: true } })),
    );
    expect(run.status).toBe('completed');
    for (const metric of ['srcc', 'plcc', 'plccLogistic', 'krcc', 'rmse', 'reportedEpoch'] as const) expect(run[metric]).toBe(ref[metric]);
    // One attempt of the cell (the crash retried an activity, not the cell).
    expect(run.attemptsLog.map((a) => [a.attempt, a.status])).toEqual([[1, 'completed']]);

    const epochs = (id: string) => db.prisma.epochMetric.findMany({ where: { runId: id }, orderBy: { epoch: 'asc' } });
    const [refEpochs, runEpochs] = await Promise.all([epochs(reference.runId), epochs(crashed.runId)]);
    expect(runEpochs.map((e) => e.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
    expect(runEpochs.map((e) => [e.trainLoss, e.testSrcc, e.testPlcc])).toEqual(refEpochs.map((e) => [e.trainLoss, e.testSrcc, e.testPlcc]));

    const predictions = (id: string) =>
      db.prisma.prediction.findMany({ where: { runId: id }, orderBy: { itemId: 'asc' }, select: { itemId: true, predicted: true, mos: true } });
    const [refPredictions, runPredictions] = await Promise.all([predictions(reference.runId), predictions(crashed.runId)]);
    const manifest = await db.prisma.splitManifest.findUniqueOrThrow({ where: { id: run.splitManifestId as string } });
    expect(runPredictions).toHaveLength(manifest.testKeys.length);
    expect(runPredictions).toEqual(refPredictions);
  });
});
