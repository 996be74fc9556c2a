import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '@agiqa/data';
import { registerDataset } from '@agiqa/db';
import { WORKFLOW_TYPES, workflowIds } from '@agiqa/contracts';
import { createSweepSchedule, startSweep, sweepWorkflowId, triggerSchedule } from '@agiqa/orchestration';
import { attemptDir } from '../activities/results.js';
import { createRunActivities, pickGpuQueue } from '../activities/run.activities.js';
import { recordHistory } from '../testing/histories.js';
import { startHarness, tinyGrid, waitFor, type Harness } from '../testing/harness.js';
import type { SweepOutcome, SweepWorkflowArgs } from './types.js';

// One real Temporal dev server, one PGlite database and in-process workers for the whole file.
let h: Harness;
let stopWorkers: () => Promise<void>;

beforeAll(async () => {
  h = await startHarness();
  stopWorkers = await h.startWorkers();
}, 120_000);
afterAll(async () => {
  await stopWorkers?.();
  await h?.close();
});

describe('SweepWorkflow', () => {
  it('runs every cell as a child RunWorkflow, bounded in flight, across continue-as-new', async () => {
    const { sweepId, runIds } = await h.newSweep(tinyGrid({ fusions: ['concat', 'cosine'], seeds: [0, 1], maxParallel: 2 }));
    const workflowId = sweepWorkflowId(sweepId);
    // Three cells per execution: the fourth cell runs after a continue-as-new.
    const args: SweepWorkflowArgs = { sweepId, pageSize: 3 };
    const handle = await h.env.client.workflow.start(WORKFLOW_TYPES.sweep, { taskQueue: h.cpuQueue, workflowId, args: [args] });
    const outcome = (await handle.result()) as SweepOutcome;

    expect(outcome).toMatchObject({ sweepId, status: 'completed', counts: { completed: 4, failed: 0, cancelled: 0 } });
    const firstRun = await h.env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
    expect(firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    // Continuing as new is not the end of the sweep: the first execution never finishes it.
    const scheduled = firstRun.events?.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []) ?? [];
    expect(scheduled).not.toContain('finishSweep');

    const prisma = h.db.prisma;
    const sweep = await prisma.sweep.findUniqueOrThrow({ where: { id: sweepId } });
    expect(sweep).toMatchObject({ status: 'completed', workflowId });
    for (const runId of runIds) {
      const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { splitManifest: true, attemptsLog: true } });
      expect(run).toMatchObject({ status: 'completed', attempts: 1, reportedEpoch: 2, epochsDone: 2, backend: h.deps.backend, error: null });
      expect(run.srcc).toEqual(expect.any(Number));
      expect(run.machine).toMatchObject({ hostname: expect.any(String), gpuQueue: h.gpuQueue });
      expect(run.attemptsLog.map((a) => [a.attempt, a.status])).toEqual([[1, 'completed']]);
      expect(await prisma.epochMetric.count({ where: { runId } })).toBe(2);
      expect(await prisma.prediction.count({ where: { runId } })).toBe(run.splitManifest?.testKeys.length);
      // Stored MOS is the dataset's own value (float64), not the float32 training target.
      const stored = await prisma.prediction.findMany({ where: { runId }, include: { item: { select: { mos: true } } } });
      for (const p of stored) expect(p.mos).toBe((p.item.mos as Record<string, number>).quality);
    }

    // Never more cells in flight than maxParallel.
    const spans = await Promise.all(
      runIds.map(async (runId) => {
        const d = await h.env.client.workflow.getHandle(workflowIds.run(runId, 1)).describe();
        return [d.startTime.getTime(), (d.closeTime as Date).getTime()] as const;
      }),
    );
    const overlap = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
    expect(overlap).toBeLessThanOrEqual(2);

    // One image and one text feature set, each extracted once for all four cells.
    expect(await prisma.featureSet.count()).toBe(2);
    expect(h.extractions).toEqual({ text: 1, image: 1 });

    await recordHistory(h.env.address, workflowId, 'sweep-continue-as-new', handle.firstExecutionRunId);
    await recordHistory(h.env.address, workflowIds.run(runIds[0], 1), 'run-completed');
  });

  it('extracts features once when several sweeps need them at the same time', async () => {
    const before = { ...h.extractions };
    const imageCached = (await h.db.prisma.featureSet.count({ where: { kind: 'image', dataset: { name: 'synth' } } })) > 0;
    const grid = tinyGrid({ encoders: ['tiny-distilbert'], seeds: [3] });
    const sweeps = await Promise.all([h.newSweep(grid), h.newSweep(grid)]);
    const outcomes = await Promise.all(
      sweeps.map(async ({ sweepId }) => {
        const started = await startSweep(h.env.client, { sweepId });
        return (await h.env.client.workflow.getHandle(started.workflowId).result()) as SweepOutcome;
      }),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['completed', 'completed']);
    // Both cells found the extraction running (their first awaitFeatures attempt was
    // features_pending) and attached to it.
    for (const { runIds } of sweeps) {
      const history = await h.env.client.workflow.getHandle(workflowIds.run(runIds[0], 1)).fetchHistory();
      const attempts = history.events?.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0) ?? [];
      expect(Math.max(...attempts)).toBeGreaterThan(1);
    }
    // A new text encoder: one text extraction for both sweeps (and one image extraction unless an
    // earlier test left the image features cached).
    expect(h.extractions).toEqual({ text: before.text + 1, image: before.image + (imageCached ? 0 : 1) });
  });

  it('fails a cell with bad config at once, with the message, and goes on with the others', async () => {
    // tiny-bert's width is not divisible by 3 attention heads: the cross-attention cell is invalid.
    const { sweepId, runIds } = await h.newSweep(
      tinyGrid({ fusions: ['concat', 'cross_attention'], head: { hiddenUnits: 16, attentionHeads: 3 } }),
    );
    const started = await startSweep(h.env.client, { sweepId });
    const outcome = (await h.env.client.workflow.getHandle(started.workflowId).result()) as SweepOutcome;
    expect(outcome).toMatchObject({ status: 'failed', counts: { completed: 1, failed: 1 } });

    const runs = await h.db.prisma.run.findMany({ where: { id: { in: runIds } }, include: { attemptsLog: true } });
    const failed = runs.find((r) => r.fusion === 'cross_attention');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/attentionHeads|heads/i);
    expect(failed?.attemptsLog.map((a) => a.status)).toEqual(['failed']);
    expect(await h.db.prisma.prediction.count({ where: { runId: failed?.id } })).toBe(0);

    // Non-retryable: the training activity ran exactly once.
    const history = await h.env.client.workflow.getHandle(workflowIds.run(failed?.id as string, 1)).fetchHistory();
    const attempts = history.events?.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt);
    expect(attempts?.every((a) => a === 1)).toBe(true);
    const trainFailure = history.events?.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
    expect(trainFailure?.applicationFailureInfo).toMatchObject({ type: 'invalid_input', nonRetryable: true });
    await recordHistory(h.env.address, workflowIds.run(failed?.id as string, 1), 'run-failed-invalid-input');
  });

  it('fails a cell whose dataset images are missing, with the file named, through the shared extraction', async () => {
    // Registered without checking images, then the image folder is not there.
    const csv = (await readFile(join(h.home, 'synth', 'data.csv'), 'utf8')).split('\n');
    const dir = join(h.home, 'no-images');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data.csv'), `${csv.slice(0, 31).join('\n')}\n`);
    await registerDataset(h.db.prisma, 'no-images', await loadDataset({ format: 'agiqa3k', root: dir, checkImages: false }));

    const { sweepId, runIds } = await h.newSweep(tinyGrid({ datasets: ['no-images'], split: { unit: 'image' } }));
    const started = await startSweep(h.env.client, { sweepId });
    const outcome = (await h.env.client.workflow.getHandle(started.workflowId).result()) as SweepOutcome;
    expect(outcome).toMatchObject({ status: 'failed', counts: { failed: 1 } });
    const run = await h.db.prisma.run.findUniqueOrThrow({ where: { id: runIds[0] } });
    expect(run.error).toMatch(/feature extraction failed: .*\.jpg/);
    // The text features need no image and were extracted; the image set was never recorded.
    expect(await h.db.prisma.featureSet.findMany({ where: { dataset: { name: 'no-images' } }, select: { kind: true } })).toEqual([{ kind: 'text' }]);
  });

  it('writes results idempotently: a retried recordResults never duplicates rows, a finished run is not reopened', async () => {
    const { sweepId, runIds } = await h.newSweep(tinyGrid({ seeds: [11] }));
    await h.env.client.workflow.getHandle((await startSweep(h.env.client, { sweepId })).workflowId).result();
    const prisma = h.db.prisma;
    const before = await prisma.run.findUniqueOrThrow({ where: { id: runIds[0] } });
    const predictions = await prisma.prediction.count({ where: { runId: runIds[0] } });

    const { recordResults, beginAttempt } = createRunActivities(h.deps);
    const resultUri = pathToFileURL(join(attemptDir(h.deps.paths.artifacts, runIds[0], 1), 'result.json')).href;
    const metrics = await recordResults({ runId: runIds[0], attempt: 1, resultUri });
    expect(metrics).toEqual({ srcc: before.srcc, plcc: before.plcc, plccLogistic: before.plccLogistic, krcc: before.krcc, rmse: before.rmse });
    expect(await prisma.prediction.count({ where: { runId: runIds[0] } })).toBe(predictions);
    expect((await prisma.run.findUniqueOrThrow({ where: { id: runIds[0] } })).updatedAt).toEqual(before.updatedAt);
    await expect(beginAttempt({ runId: runIds[0], attempt: 2, workflowId: 'x' })).rejects.toMatchObject({ code: 'conflict' });

    // Two attempts of recordResults racing (a timed-out attempt still running while its retry
    // runs) both pass the status check: the unique (run, item) key keeps predictions single.
    await prisma.run.update({ where: { id: runIds[0] }, data: { status: 'running' } });
    await recordResults({ runId: runIds[0], attempt: 1, resultUri });
    expect(await prisma.prediction.count({ where: { runId: runIds[0] } })).toBe(predictions);
    expect((await prisma.run.findUniqueOrThrow({ where: { id: runIds[0] } })).status).toBe('completed');
  });
});

describe('ScheduledSweepWorkflow', () => {
  it('turns a schedule triggered now into a sweep linked to the schedule', async () => {
    const schedule = await h.db.prisma.schedule.create({
      data: { name: 'nightly', grid: tinyGrid(), intervalSeconds: 24 * 3600, temporalScheduleId: 'pending' },
    });
    const { temporalScheduleId } = await createSweepSchedule(h.env.client, { scheduleId: schedule.id, intervalSeconds: 24 * 3600 });
    await triggerSchedule(h.env.client, schedule.id);

    const sweep = await waitFor(
      () => h.db.prisma.sweep.findFirst({ where: { scheduleId: schedule.id, status: 'completed' } }).then((s) => s ?? undefined),
      'the scheduled sweep to complete',
    );
    expect(sweep.name).toBe('nightly (scheduled)');
    expect(await h.db.prisma.run.count({ where: { sweepId: sweep.id, status: 'completed' } })).toBe(1);
    const firing = (await h.env.client.schedule.getHandle(temporalScheduleId).describe()).info.recentActions[0].action.workflow.workflowId;
    const result = (await h.env.client.workflow.getHandle(firing).result()) as SweepOutcome;
    expect(result).toMatchObject({ sweepId: sweep.id, status: 'completed' });
    await recordHistory(h.env.address, firing, 'scheduled-sweep');
  });

  it('creates the sweep of one firing once, however often the activity is retried', async () => {
    const schedule = await h.db.prisma.schedule.create({
      data: { name: 'retried', grid: tinyGrid(), intervalSeconds: 3600, temporalScheduleId: 'retried' },
    });
    const { createScheduledSweep } = (await import('../activities/schedule.activities.js')).createScheduleActivities(h.deps);
    const first = await createScheduledSweep({ scheduleId: schedule.id, workflowId: 'schedule-x-1' });
    const again = await createScheduledSweep({ scheduleId: schedule.id, workflowId: 'schedule-x-1' });
    const next = await createScheduledSweep({ scheduleId: schedule.id, workflowId: 'schedule-x-2' });
    expect(again.sweepId).toBe(first.sweepId);
    expect(next.sweepId).not.toBe(first.sweepId);
  });
});

describe(pickGpuQueue.name, () => {
  it('sends a run to the same GPU queue every time and spreads runs over the queues', () => {
    const queues = ['gpu-0', 'gpu-1', 'gpu-2'];
    expect(pickGpuQueue(queues, 'run-a')).toBe(pickGpuQueue(queues, 'run-a'));
    const used = new Set(Array.from({ length: 30 }, (_, i) => pickGpuQueue(queues, `run-${i}`)));
    expect(used).toEqual(new Set(queues));
    expect(pickGpuQueue(['only'], 'run-a')).toBe('only');
  });
});
