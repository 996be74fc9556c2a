import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '@agiqa/data';
import { registerDataset } from '@agiqa/db';
import { cancelSweep, rerunFailedCells, startSweep, sweepWorkflowId } from '@agiqa/orchestration';
import { recordHistory } from '../testing/histories.js';
import { startHarness, tinyGrid, waitFor, type Harness } from '../testing/harness.js';
import type { SweepOutcome } from './types.js';

// Long enough that a cell is still training when the cancellation reaches it.
const EPOCHS = 200;
let h: Harness;
let stopWorkers: () => Promise<void>;

beforeAll(async () => {
  // Cancellation reaches training with a heartbeat response; heartbeats go out at least every
  // timeout / 4 (the workers' throttle), so a cancelled cell stops within ~1 s here.
  h = await startHarness({ heartbeatTimeoutMs: 4_000 });
  // "broken": four rows of the synthetic CSV, too few for a test split: its cells fail at once.
  const csv = (await readFile(join(h.home, 'synth', 'data.csv'), 'utf8')).split('\n');
  const dir = join(h.home, 'broken');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'data.csv'), `${csv.slice(0, 5).join('\n')}\n`);
  await registerDataset(h.db.prisma, 'broken', await loadDataset({ format: 'agiqa3k', root: dir, checkImages: false }));
  stopWorkers = await h.startWorkers();
}, 120_000);
afterAll(async () => {
  await stopWorkers?.();
  await h?.close();
});

describe('cancel and rerun-failed', () => {
  it('cancels a sweep mid-run, then re-runs only its failed and cancelled cells', async () => {
    const prisma = h.db.prisma;
    // Cells run one at a time in cellKey order: three broken cells fail, synth s0 completes, synth
    // s1 is cancelled while training, synth s2 never starts.
    const { sweepId } = await h.newSweep(tinyGrid({ datasets: ['broken', 'synth'], seeds: [0, 1, 2], epochs: EPOCHS, maxParallel: 1 }));
    const started = await startSweep(h.env.client, { sweepId });
    const byKey = async () => new Map((await prisma.run.findMany({ where: { sweepId } })).map((r) => [r.cellKey.replace('/tiny-bert/concat/r0', ''), r]));

    await waitFor(async () => {
      const runs = await byKey();
      return runs.get('synth/s0')?.status === 'completed' && (runs.get('synth/s1')?.epochsDone ?? 0) >= 3 ? true : undefined;
    }, 'synth/s1 to be training');
    await cancelSweep(h.env.client, { id: sweepId, executions: 1 });
    const first = await h.env.client.workflow.getHandle(started.workflowId).result().catch((e: unknown) => e);
    expect(first).toMatchObject({ name: 'WorkflowFailedError', cause: { name: 'CancelledFailure' } });

    let runs = await byKey();
    // The training activity learnt of the cancellation through its heartbeat and stopped within
    // the heartbeat timeout (server times: cancel requested → activity cancelled).
    const training = await h.env.client.workflow.getHandle(runs.get('synth/s1')?.workflowId as string).fetchHistory();
    const at = (attribute: 'activityTaskCancelRequestedEventAttributes' | 'activityTaskCanceledEventAttributes') => {
      const time = training.events?.find((e) => e[attribute])?.eventTime;
      return Number(time?.seconds ?? NaN) * 1000 + (time?.nanos ?? 0) / 1e6;
    };
    expect(at('activityTaskCanceledEventAttributes') - at('activityTaskCancelRequestedEventAttributes')).toBeLessThan(h.deps.timing.heartbeatTimeoutMs);
    expect((await prisma.sweep.findUniqueOrThrow({ where: { id: sweepId } })).status).toBe('cancelled');
    expect(Object.fromEntries([...runs].map(([k, r]) => [k, r.status]))).toEqual({
      'broken/s0': 'failed',
      'broken/s1': 'failed',
      'broken/s2': 'failed',
      'synth/s0': 'completed',
      'synth/s1': 'cancelled',
      'synth/s2': 'cancelled',
    });
    expect(runs.get('broken/s0')?.error).toMatch(/split/);
    // No half-written results: progress rows, but no metrics or predictions.
    const cancelled = runs.get('synth/s1');
    expect(cancelled?.srcc).toBeNull();
    expect(await prisma.prediction.count({ where: { runId: cancelled?.id } })).toBe(0);
    expect(runs.get('synth/s2')?.attempts).toBe(0);
    const keep = runs.get('synth/s0');
    await recordHistory(h.env.address, started.workflowId, 'sweep-cancelled-prefetching');

    const rerun = await rerunFailedCells(prisma, h.env.client, sweepId);
    expect(rerun.execution).toBe(2);
    expect(rerun.workflowId).toBe(sweepWorkflowId(sweepId, 2));
    expect([...rerun.cellKeys].map((k) => k.replace('/tiny-bert/concat/r0', '')).sort()).toEqual([
      'broken/s0',
      'broken/s1',
      'broken/s2',
      'synth/s1',
      'synth/s2',
    ]);
    const second = (await h.env.client.workflow.getHandle(rerun.workflowId).result()) as SweepOutcome;
    expect(second).toMatchObject({ status: 'failed', counts: { completed: 3, failed: 3, cancelled: 0 } });

    runs = await byKey();
    // The completed cell was kept as it was; the others ran again as a new attempt.
    expect(runs.get('synth/s0')).toMatchObject({ attempts: 1, finishedAt: keep?.finishedAt, srcc: keep?.srcc });
    expect(runs.get('synth/s1')).toMatchObject({ status: 'completed', attempts: 2 });
    expect(runs.get('synth/s2')).toMatchObject({ status: 'completed', attempts: 1 });
    expect(runs.get('broken/s0')).toMatchObject({ status: 'failed', attempts: 2 });
    const log = await prisma.runAttempt.findMany({ where: { runId: cancelled?.id }, orderBy: { attempt: 'asc' } });
    expect(log.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'cancelled'],
      [2, 'completed'],
    ]);
    expect(await prisma.epochMetric.count({ where: { runId: cancelled?.id } })).toBe(EPOCHS);
    expect((await prisma.sweep.findUniqueOrThrow({ where: { id: sweepId } })).executions).toBe(2);
  });

  it('refuses to re-run a sweep that is still running, or one with nothing to re-run', async () => {
    const { sweepId } = await h.newSweep(tinyGrid({ seeds: [9], epochs: 1 }));
    await expect(rerunFailedCells(h.db.prisma, h.env.client, sweepId)).resolves.toMatchObject({ execution: 2 });
    await expect(rerunFailedCells(h.db.prisma, h.env.client, sweepId)).rejects.toMatchObject({ code: 'conflict' });
    await h.env.client.workflow.getHandle(sweepWorkflowId(sweepId, 2)).result();
    await expect(rerunFailedCells(h.db.prisma, h.env.client, sweepId)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('no failed or cancelled cells'),
    });
    await expect(rerunFailedCells(h.db.prisma, h.env.client, 'no-such-sweep')).rejects.toMatchObject({ code: 'not_found' });
  });
});
