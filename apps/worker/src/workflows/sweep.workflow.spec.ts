import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { artifactKeys } from '@agiqa/artifacts';
import { loadDataset, synthesizeDataset } from '@agiqa/data';
import { registerDataset } from '@agiqa/db';
import { restoreHead } from '@agiqa/model';
import { WORKFLOW_TYPES, workflowIds } from '@agiqa/contracts';
import { createSweepSchedule, startSweep, sweepWorkflowId, triggerSchedule } from '@agiqa/orchestration';
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

/**
 * When each cell's attempt did its work (beginAttempt to its recorded end), in cellKey order. A cell
 * tells its sweep it has ended after that, and closes a workflow task later still.
 */
async function attemptSpans(runIds: string[]): Promise<{ start: number; end: number }[]> {
  const attempts = await h.db.prisma.runAttempt.findMany({ where: { runId: { in: runIds } }, orderBy: { run: { cellKey: 'asc' } } });
  return attempts.map((a) => ({ start: a.createdAt.getTime(), end: (a.finishedAt as Date).getTime() }));
}

/**
 * When each cell's RunWorkflow closed, in the order of `runIds`. A cell holds its place in the
 * sweep's window until it signals `cellFinished`, just before closing, which is after its attempt's
 * recorded end (the latency measurement comes after the results).
 */
async function workflowCloseTimes(runIds: string[]): Promise<number[]> {
  const described = await Promise.all(runIds.map((runId) => h.env.client.workflow.getHandle(workflowIds.run(runId, 1)).describe()));
  return described.map((d) => (d.closeTime as Date).getTime());
}

/** The first argument of a workflow or activity input as recorded in a history (JSON payload). */
function decoded<T>(input: { payloads?: { data?: Uint8Array | null }[] | null } | null | undefined): T {
  return JSON.parse(Buffer.from(input?.payloads?.[0]?.data ?? []).toString('utf8')) as T;
}

/** The cursor (`after`) of every page a sweep execution asked `loadSweepPage` for, in order. */
function pageLoads(events: NonNullable<History['events']>): (string | undefined)[] {
  return events.flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'loadSweepPage') return [];
    return [decoded<{ after?: string }>(scheduled.input).after];
  });
}

/** The histories of a workflow's continue-as-new chain, from `firstRunId` to the execution that closed it. */
async function executionChain(workflowId: string, firstRunId: string): Promise<NonNullable<History['events']>[]> {
  const chain: NonNullable<History['events']>[] = [];
  for (let runId: string | null | undefined = firstRunId; runId; ) {
    const events: NonNullable<History['events']> = (await h.env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    chain.push(events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return chain;
}

/** The most spans open at once. */
function maxInFlight(spans: { start: number; end: number }[]): number {
  return Math.max(...spans.map(({ start }) => spans.filter((s) => s.start <= start && start < s.end).length));
}

describe('SweepWorkflow', () => {
  it('runs every cell as a child RunWorkflow, bounded in flight, across continue-as-new', async () => {
    const { sweepId, runIds } = await h.newSweep(tinyGrid({ fusions: ['concat', 'cosine'], seeds: [0, 1], maxParallel: 2 }));
    const workflowId = sweepWorkflowId(sweepId);
    // Pages of one cell: an execution starts at most two cells (a page, and one more while its
    // last start is confirmed), so the four cells need at least two executions.
    const args: SweepWorkflowArgs = { sweepId, pageSize: 1 };
    const handle = await h.env.client.workflow.start(WORKFLOW_TYPES.sweep, { taskQueue: h.cpuQueue, workflowId, args: [args] });
    const outcome = (await handle.result()) as SweepOutcome;

    expect(outcome).toMatchObject({ sweepId, status: 'completed', counts: { completed: 4, failed: 0, cancelled: 0 } });
    const firstRun = await h.env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
    expect(firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    // Continuing as new is not the end of the sweep: the first execution never finishes it.
    const scheduled = firstRun.events?.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []) ?? [];
    expect(scheduled).not.toContain('finishSweep');
    // Every execution of the chain starts at most two pages of cells (bounded histories), and
    // together they start each cell once.
    const chain = await executionChain(workflowId, handle.firstExecutionRunId);
    const starts = chain.map((events) => events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length);
    expect(Math.max(...starts)).toBeLessThanOrEqual(2);
    expect(starts.reduce((a, b) => a + b, 0)).toBe(4);

    const prisma = h.db.prisma;
    const sweep = await prisma.sweep.findUniqueOrThrow({ where: { id: sweepId } });
    expect(sweep).toMatchObject({ status: 'completed', workflowId });
    for (const runId of runIds) {
      const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { splitManifest: true, attemptsLog: true } });
      expect(run).toMatchObject({ status: 'completed', attempts: 1, reportedEpoch: 2, epochsDone: 2, backend: h.deps.engines?.tfjsBackend, engine: 'tfjs', device: 'cpu', dtype: 'float32', error: null });
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
    expect(maxInFlight(await attemptSpans(runIds))).toBeLessThanOrEqual(2);

    // One image and one text feature set, each extracted once for all four cells.
    expect(await prisma.featureSet.count()).toBe(2);
    expect(h.extractions).toEqual({ text: 1, image: 1 });
    // The cell asked for both at once; the worker ran them one after the other (ExtractionGate).
    const [first, second] = [...h.extractionSpans].sort((a, b) => a.start - b.start);
    expect(second.start).toBeGreaterThanOrEqual(first.end);

    // Histories of the current code; those of earlier code stay as they were recorded
    // (sweep-continue-as-new*, sweep-sliding-window, run-completed) and keep replaying.
    await recordHistory(h.env.address, workflowId, 'sweep-prefetching', handle.firstExecutionRunId);
    await recordHistory(h.env.address, workflowIds.run(runIds[0], 1), 'run-signals-its-sweep');
  });

  it('keeps maxParallel cells in flight across page boundaries: no page waits for its slowest cell', async () => {
    const { sweepId, runIds } = await h.newSweep(tinyGrid({ fusions: ['concat', 'cosine'], seeds: [20, 21, 22, 23], maxParallel: 3 }));
    const workflowId = sweepWorkflowId(sweepId);
    // Eight cells, two pages of four.
    const pageSize = 4;
    const args: SweepWorkflowArgs = { sweepId, pageSize };
    const handle = await h.env.client.workflow.start(WORKFLOW_TYPES.sweep, { taskQueue: h.cpuQueue, workflowId, args: [args] });
    expect(await handle.result()).toMatchObject({ status: 'completed', counts: { completed: 8 } });

    const spans = await attemptSpans(runIds);
    const runs = await h.db.prisma.run.findMany({ where: { id: { in: runIds } }, orderBy: { cellKey: 'asc' }, select: { id: true } });
    const closed = await workflowCloseTimes(runs.map((r) => r.id));
    // Pages in cellKey order: the second page's first cell starts while the first page's slowest
    // cell still runs (training is one cell at a time on the one GPU worker, so a page's cells end
    // one training apart; a page that waited for all of them would start after the last)…
    expect(spans[pageSize].start).toBeLessThan(Math.max(...closed.slice(0, pageSize)));
    // …and the window never exceeds maxParallel, across the executions.
    expect(maxInFlight(spans)).toBeLessThanOrEqual(3);

    // Pages are loaded one ahead of the cells being started: the first execution asked for the
    // second page while it started its own cells (before, the next execution read it first thing
    // after continuing as new); every page is read once along the chain, which ends in at most two
    // executions (none continues as new only to find nothing left).
    const keys = (await h.db.prisma.run.findMany({ where: { sweepId }, orderBy: { cellKey: 'asc' }, select: { cellKey: true } })).map((r) => r.cellKey);
    const first = (await h.env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory()).events ?? [];
    const last = (await h.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const continued = last[0].workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    expect(pageLoads(first).slice(0, 2)).toEqual([undefined, keys[pageSize - 1]]);
    if (continued) {
      expect(continued).toBe(handle.firstExecutionRunId);
      // The cursor handed over is the last cell started, so that code from before queued pages
      // (ignoring `queued`) would start the queued cells itself instead of skipping them.
      const byRunId = new Map((await h.db.prisma.run.findMany({ where: { sweepId }, select: { id: true, cellKey: true } })).map((r) => [r.id, r.cellKey]));
      const startedKeys = first.flatMap((e) => {
        const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
        return id ? [byRunId.get(runIds.find((runId) => id === workflowIds.run(runId, 1)) ?? '')] : [];
      });
      const carried = decoded<SweepWorkflowArgs>(first.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.input);
      expect(carried.after).toBe(startedKeys.at(-1));
      expect([...startedKeys, ...(carried.queued?.cells.map((c) => c.cellKey) ?? [])]).toEqual(keys.slice(0, startedKeys.length + (carried.queued?.cells.length ?? 0)));
    }
    expect([...pageLoads(first), ...(continued ? pageLoads(last) : [])]).toEqual([undefined, keys[pageSize - 1], keys[2 * pageSize - 1]]);
    expect(last.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
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

  it("extracts at the grid's encoder dtype and image resize and records both with the features and the run", async () => {
    const { sweepId, runIds } = await h.newSweep(tinyGrid({ encoders: ['tiny-roberta'], epochs: 1, features: { dtype: 'q8', resize: 'libvips' } }));
    const started = await startSweep(h.env.client, { sweepId });
    expect(((await h.env.client.workflow.getHandle(started.workflowId).result()) as SweepOutcome).status).toBe('completed');
    const prisma = h.db.prisma;
    const run = await prisma.run.findUniqueOrThrow({ where: { id: runIds[0] } });
    expect(run.config).toMatchObject({ features: { dtype: 'q8', resize: 'libvips' } });
    const sets = await prisma.featureSet.findMany({ where: { encoderName: { in: ['tiny-roberta', 'tiny-clip'] }, dtype: 'q8' } });
    expect(sets.map((set) => set.kind).sort()).toEqual(['image', 'text']);
    const image = sets.find((set) => set.kind === 'image');
    const meta = await h.deps.artifacts.getJson<{ dtype: string; preprocessing: { resize: string } }>(`${image?.artifactKey ?? ''}/meta.json`);
    expect(meta).toMatchObject({ dtype: 'q8', preprocessing: { resize: 'libvips' } });
  });

  it('extracts the images again when an image file changes, and only the images', async () => {
    const dir = join(h.home, 'synth-edited');
    await synthesizeDataset({ outDir: dir, images: 50, seed: 11 });
    await registerDataset(h.db.prisma, 'synth-edited', await loadDataset({ format: 'agiqa3k', root: dir, checkImages: true }));
    const sweep = async () => {
      const { sweepId } = await h.newSweep(tinyGrid({ datasets: ['synth-edited'], epochs: 1 }));
      const started = await startSweep(h.env.client, { sweepId });
      expect(await h.env.client.workflow.getHandle(started.workflowId).result()).toMatchObject({ status: 'completed' });
    };
    const before = { ...h.extractions };
    await sweep();
    expect(h.extractions).toEqual({ text: before.text + 1, image: before.image + 1 });

    // The first image takes the second one's bytes (same CSV, same paths): its digest, the image
    // feature key and the features change; the prompts did not, so the text features are reused.
    const [first, second] = await h.db.prisma.datasetItem.findMany({ where: { dataset: { name: 'synth-edited' } }, orderBy: { position: 'asc' }, take: 2 });
    expect(first.imageSha256).not.toBe(second.imageSha256);
    await copyFile(join(dir, second.imagePath), join(dir, first.imagePath));
    await sweep();
    expect(h.extractions).toEqual({ text: before.text + 1, image: before.image + 2 });
    expect(await h.db.prisma.featureSet.count({ where: { kind: 'image', dataset: { name: 'synth-edited' } } })).toBe(2);
    expect((await h.db.prisma.datasetItem.findUniqueOrThrow({ where: { id: first.id } })).imageSha256).toBe(second.imageSha256);
  });

  it('keeps the best-on-val epoch\'s checkpoint beside the latest, and restores the run at the reported epoch', async () => {
    const epochs = 5;
    const { sweepId, runIds } = await h.newSweep(tinyGrid({ reportRule: 'best-on-val', split: { train: 0.6, val: 0.2 }, epochs, seeds: [4] }));
    const started = await startSweep(h.env.client, { sweepId });
    expect(await h.env.client.workflow.getHandle(started.workflowId).result()).toMatchObject({ status: 'completed' });
    const run = await h.db.prisma.run.findUniqueOrThrow({ where: { id: runIds[0] }, include: { epochMetrics: { orderBy: { epoch: 'asc' } } } });
    const valSrcc = run.epochMetrics.map((e) => e.valSrcc as number);
    expect(run.reportedEpoch).toBe(valSrcc.indexOf(Math.max(...valSrcc)) + 1);
    expect(run.reportedCheckpointKey).toBe(artifactKeys.checkpoint(run.id, 1, 'reported.ckpt'));
    const epochOf = async (key: string) => {
      const copy = await h.deps.artifacts.materializeFile(key);
      const head = await restoreHead(copy.path).finally(() => copy.release());
      head.dispose();
      return head.epoch;
    };
    expect(await epochOf(run.reportedCheckpointKey as string)).toBe(run.reportedEpoch);
    expect(await epochOf(run.checkpointKey as string)).toBe(epochs);

    // Under `last` the reported checkpoint is the latest one.
    const last = await h.newSweep(tinyGrid({ seeds: [5], epochs: 1 }));
    await h.env.client.workflow.getHandle((await startSweep(h.env.client, { sweepId: last.sweepId })).workflowId).result();
    const lastRun = await h.db.prisma.run.findUniqueOrThrow({ where: { id: last.runIds[0] } });
    expect(lastRun.reportedCheckpointKey).toBe(lastRun.checkpointKey);
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

  it('fails a cell whose dataset images are missing, with the file named, before anything is extracted', async () => {
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
    // Planning the image feature key hashes every image: the first missing one fails the cell at once.
    expect(run.error).toMatch(/image .*\.jpg: cannot be read \(ENOENT\)/);
    expect(await h.db.prisma.featureSet.count({ where: { dataset: { name: 'no-images' } } })).toBe(0);
  });

  it('writes results idempotently: a retried recordResults never duplicates rows, a finished run is not reopened', async () => {
    const { sweepId, runIds } = await h.newSweep(tinyGrid({ seeds: [11] }));
    await h.env.client.workflow.getHandle((await startSweep(h.env.client, { sweepId })).workflowId).result();
    const prisma = h.db.prisma;
    const before = await prisma.run.findUniqueOrThrow({ where: { id: runIds[0] } });
    const predictions = await prisma.prediction.count({ where: { runId: runIds[0] } });

    const { recordResults, beginAttempt } = createRunActivities(h.deps);
    const resultKey = artifactKeys.result(runIds[0], 1);
    const metrics = await recordResults({ runId: runIds[0], attempt: 1, resultKey });
    expect(metrics).toEqual({ srcc: before.srcc, plcc: before.plcc, plccLogistic: before.plccLogistic, krcc: before.krcc, rmse: before.rmse });
    expect(await prisma.prediction.count({ where: { runId: runIds[0] } })).toBe(predictions);
    expect((await prisma.run.findUniqueOrThrow({ where: { id: runIds[0] } })).updatedAt).toEqual(before.updatedAt);
    await expect(beginAttempt({ runId: runIds[0], attempt: 2, workflowId: 'x' })).rejects.toMatchObject({ code: 'conflict' });

    // Two attempts of recordResults racing (a timed-out attempt still running while its retry
    // runs) both pass the status check: the unique (run, item) key keeps predictions single.
    await prisma.run.update({ where: { id: runIds[0] }, data: { status: 'running' } });
    await recordResults({ runId: runIds[0], attempt: 1, resultKey });
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

  it('writes the sweep of a firing again when a crash interrupted its writing, leaving one complete sweep', async () => {
    const schedule = await h.db.prisma.schedule.create({
      data: { name: 'interrupted', grid: tinyGrid(), intervalSeconds: 3600, temporalScheduleId: 'interrupted' },
    });
    // What a crash after the sweep row and before all its runs leaves: the marked sweep, too few runs.
    const partial = await h.db.prisma.sweep.create({
      data: { name: 'interrupted (scheduled)', grid: tinyGrid(), cellCount: 3, scheduleId: schedule.id, workflowId: 'schedule-y-1' },
    });
    const { createScheduledSweep } = (await import('../activities/schedule.activities.js')).createScheduleActivities(h.deps);
    const { sweepId } = await createScheduledSweep({ scheduleId: schedule.id, workflowId: 'schedule-y-1' });
    expect(sweepId).not.toBe(partial.id);
    const sweeps = await h.db.prisma.sweep.findMany({ where: { scheduleId: schedule.id }, include: { _count: { select: { runs: true } } } });
    expect(sweeps.map((s) => [s.id, s._count.runs])).toEqual([[sweepId, sweeps[0]?.cellCount]]);
    expect(sweeps[0]?.cellCount).toBeGreaterThan(0);
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
