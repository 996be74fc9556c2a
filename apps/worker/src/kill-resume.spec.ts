import { readdirSync, readFileSync } from 'node:fs';
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
import { torchAvailable } from '@agiqa/model/testing';
import { tinyGrid, waitFor } from './testing/harness.js';
import { startWorkerProcess, type WorkerProcess } from './testing/worker-process.js';
import { WORKER_SHUTDOWN } from './activities/training.activities.js';
import type { SweepOutcome, TrainOutcome } from './workflows/types.js';

// The worker must be a separate OS process to be killed with SIGKILL (or stopped with SIGTERM); it and this test share a
// real PostgreSQL server (PGlite is single-process) and the AGIQA_HOME folder (checkpoints).
// Once per training engine: tfjs trains in the worker's process, torch in a Python child of it
// (which must die with the worker, not train on as an orphan, and exit when the cell is handed back).
const postgres = postgresAvailable();
const torch = torchAvailable();

const ENGINES = [
  { trainer: 'tfjs' as const, mode: 'frozen' as const, epochs: 60, images: 50, ready: { ok: true, reason: '' } },
  // The torch engine trains tiny heads faster than the worker writes epoch rows: a larger dataset
  // makes it the slower side, so it is certainly mid-training when the worker is frozen.
  { trainer: 'torch' as const, mode: 'frozen' as const, epochs: 120, images: 300, ready: torch },
  // Fine-tuning the tiny encoders takes long enough per epoch that the kill lands mid-epoch.
  { trainer: 'torch' as const, mode: 'finetune' as const, epochs: 20, images: 50, ready: torch },
];

/** Pids of the live torch engines (`python -m agiqa_torch train`) that are children of `pid` (from /proc: Linux, no tools needed). */
function enginesOf(pid: number): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so parse after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const engine = command.includes('agiqa_torch') && command.includes('train');
      return Number(ppid) === pid && state !== 'Z' && engine ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(!postgres.ok).each(ENGINES)('a worker that dies or shuts down during training with trainer $trainer, $mode encoders', ({ trainer, mode, epochs: EPOCHS, images, ready }) => {
  if (!ready.ok) {
    it.skip(`(skipped: ${ready.reason})`, () => undefined);
    return;
  }
  let env: TestWorkflowEnvironment;
  let pg: TestPostgres;
  let db: Db;
  let home: string;
  let workerEnv: NodeJS.ProcessEnv;
  const workers: WorkerProcess[] = [];
  /** The same cell (same grid, same seed) trained without interruption. */
  let reference: { sweepId: string; runId: string; workflowId: string };

  beforeAll(async () => {
    [env, pg, home] = await Promise.all([startTestTemporal(), startTestPostgres(), mkdtemp(join(tmpdir(), 'agiqa-kill-'))]);
    db = await createDb({ url: pg.url, migrate: true });
    await synthesizeDataset({ outDir: join(home, 'synth'), images, seed: 7 });
    await registerDataset(db.prisma, 'synth', await loadDataset({ format: 'agiqa3k', root: join(home, 'synth'), checkImages: true }));
    workerEnv = {
      AGIQA_HOME: home,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      AGIQA_CPU_QUEUE: `kill-cpu-${process.pid}`,
      AGIQA_GPU_QUEUES: `kill-gpu-${process.pid}`,
      AGIQA_TFJS_BACKEND: 'wasm',
      ...(torch.ok ? { AGIQA_PYTHON: torch.python, AGIQA_TORCH_THREADS: '1' } : {}),
      // Short, so that the retry on the new worker comes quickly after the kill.
      AGIQA_HEARTBEAT_TIMEOUT_S: '2',
    };
    workers.push(await startWorkerProcess(workerEnv));
    reference = await runSweep();
    await env.client.workflow.getHandle(reference.workflowId).result();
  }, 600_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await db?.close();
    await pg?.stop();
    await env?.teardown();
    if (home) await rm(home, { recursive: true, force: true });
  });

  async function runSweep(): Promise<{ sweepId: string; runId: string; workflowId: string }> {
    const { sweep, runs } = await createSweep(db.prisma, { grid: GridSpecSchema.parse(tinyGrid({ epochs: EPOCHS, seeds: [5], trainer, trainingMode: mode })) });
    const started = await startSweep(env.client, { sweepId: sweep.id, taskQueue: workerEnv.AGIQA_CPU_QUEUE });
    return { sweepId: sweep.id, runId: runs[0].id, workflowId: started.workflowId };
  }

  it('resumes from the last checkpoint on a new worker with the numbers of an uninterrupted run and no duplicate rows', async () => {
    const first = workers[0];
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
    // The torch engine trains in a child process of the worker: it is running now, and must not survive the worker.
    const engines = trainer === 'torch' ? enginesOf(first.child.pid as number) : [];
    if (trainer === 'torch') expect(engines).toHaveLength(1);
    const epochsBeforeKill = await db.prisma.epochMetric.count({ where: { runId: crashed.runId } });
    expect(epochsBeforeKill).toBeLessThan(EPOCHS);
    const pending = (await runWorkflow.describe()).raw.pendingActivities ?? [];
    const payload = pending.find((a) => a.activityType?.name === 'trainRun')?.heartbeatDetails?.payloads?.[0];
    const heartbeatEpoch = payload ? (defaultPayloadConverter.fromPayload(payload) as { epoch: number }).epoch : 0;
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await waitFor(async () => (engines.some(alive) ? undefined : true), 'the orphaned torch engine to exit', 30_000, 100);

    workers.push(await startWorkerProcess(workerEnv));
    const outcome = (await env.client.workflow.getHandle(crashed.workflowId).result()) as SweepOutcome;
    expect(outcome.status).toBe('completed');
    expect((await db.prisma.run.findUniqueOrThrow({ where: { id: crashed.runId } })).engine).toBe(trainer);

    // The training activity was retried (attempt 2) and resumed from a checkpoint, not from scratch.
    const history = await runWorkflow.fetchHistory();
    const trainStarts = history.events?.filter((e) => e.activityTaskStartedEventAttributes?.attempt === 2) ?? [];
    expect(trainStarts.length).toBe(1);
    const results = history.events?.flatMap((e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? []) ?? [];
    const trained = results.map((p) => defaultPayloadConverter.fromPayload(p) as Partial<TrainOutcome>).find((r) => r?.resultKey);
    expect(trained?.resumedFromEpoch).toBeGreaterThanOrEqual(Math.max(1, heartbeatEpoch));

    await expectSameAsReference(crashed.runId);
  }, 600_000);

  /** The run completed in its first attempt with exactly the reference's numbers, epochs and predictions, without duplicates. */
  async function expectSameAsReference(runId: string): Promise<void> {
    const [ref, run] = await Promise.all(
      [reference.runId, runId].map((id) => db.prisma.run.findUniqueOrThrow({ where: { id }, include: { attemptsLog: true } })),
    );
    expect(run.status).toBe('completed');
    for (const metric of ['srcc', 'plcc', 'plccLogistic', 'krcc', 'rmse', 'reportedEpoch'] as const) expect(run[metric]).toBe(ref[metric]);
    // One attempt of the cell (the crash retried an activity, not the cell).
    expect(run.attemptsLog.map((a) => [a.attempt, a.status])).toEqual([[1, 'completed']]);

    const epochs = (id: string) => db.prisma.epochMetric.findMany({ where: { runId: id }, orderBy: { epoch: 'asc' } });
    const [refEpochs, runEpochs] = await Promise.all([epochs(reference.runId), epochs(runId)]);
    expect(runEpochs.map((e) => e.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
    expect(runEpochs.map((e) => [e.trainLoss, e.testSrcc, e.testPlcc])).toEqual(refEpochs.map((e) => [e.trainLoss, e.testSrcc, e.testPlcc]));

    const predictions = (id: string) =>
      db.prisma.prediction.findMany({ where: { runId: id }, orderBy: { itemId: 'asc' }, select: { itemId: true, predicted: true, mos: true } });
    const [refPredictions, runPredictions] = await Promise.all([predictions(reference.runId), predictions(runId)]);
    const manifest = await db.prisma.splitManifest.findUniqueOrThrow({ where: { id: run.splitManifestId as string } });
    expect(runPredictions).toHaveLength(manifest.testKeys.length);
    expect(runPredictions).toEqual(refPredictions);
  }

  it('hands the cell back at once when its worker shuts down (SIGTERM), and another worker resumes it', async () => {
    workers.push(await startWorkerProcess(workerEnv));
    const sweep = await runSweep();
    const runWorkflow = env.client.workflow.getHandle(workflowIds.run(sweep.runId, 1));
    await waitFor(async () => ((await db.prisma.epochMetric.count({ where: { runId: sweep.runId } })) >= 2 ? true : undefined), 'the first epochs', 120_000, 10);
    // Two workers poll the GPU queue: stop the one that trains.
    const pending = (await runWorkflow.describe()).raw.pendingActivities ?? [];
    const identity = pending.find((a) => a.activityType?.name === 'trainRun')?.lastWorkerIdentity ?? '';
    const leaving = workers.find((w) => w.child.exitCode === null && identity.startsWith(`${w.child.pid}@`));
    if (!leaving) throw new Error(`no running worker is ${identity}`);
    const engines = trainer === 'torch' ? enginesOf(leaving.child.pid as number) : [];
    if (trainer === 'torch') expect(engines).toHaveLength(1);
    leaving.child.kill('SIGTERM');
    expect(await leaving.exited).toBe('0');
    // The hand-back stopped the torch engine with its worker: no training goes on in an orphan.
    await waitFor(async () => (engines.some(alive) ? undefined : true), 'the torch engine of the worker that left to exit', 30_000, 100);

    const outcome = (await env.client.workflow.getHandle(sweep.workflowId).result()) as SweepOutcome;
    expect(outcome.status).toBe('completed');
    const events = (await runWorkflow.fetchHistory()).events ?? [];
    // Attempt 2 ran on the other worker after the hand-back (Temporal records a retried attempt's
    // predecessor as its lastFailure), not after a heartbeat timeout, and resumed from a checkpoint.
    const second = events.find((e) => e.activityTaskStartedEventAttributes?.attempt === 2)?.activityTaskStartedEventAttributes;
    expect(second?.lastFailure?.applicationFailureInfo?.type).toBe(WORKER_SHUTDOWN);
    expect(second?.identity).not.toBe(identity);
    const results = events.flatMap((e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? []);
    const trained = results.map((p) => defaultPayloadConverter.fromPayload(p) as Partial<TrainOutcome>).find((r) => r?.resultKey);
    expect(trained?.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    await expectSameAsReference(sweep.runId);
  }, 600_000);
});
