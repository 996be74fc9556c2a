import { startSweep } from '@agiqa/orchestration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCEL_BATCH, createSweepActivities } from '../activities/sweep.activities.js';
import { startHarness, tinyGrid, waitFor, type Harness } from '../testing/harness.js';
import { DEFAULT_SWEEP_PAGE_SIZE } from './policies.js';
import type { SweepOutcome } from './types.js';

// The worker issue's "a 200-cell sweep of tiny runs completes" (its overhead is measured by
// bench/orchestration-overhead.ts), with the history bound that continue-as-new keeps.
let h: Harness;
let stopWorkers: () => Promise<void>;

beforeAll(async () => {
  h = await startHarness();
  stopWorkers = await h.startWorkers('all', { cpuActivitySlots: 8 });
}, 120_000);
afterAll(async () => {
  await stopWorkers?.();
  await h?.close();
});

describe('a 200-cell sweep of tiny runs', () => {
  it('completes every cell exactly once, in bounded workflow histories', async () => {
    const grid = tinyGrid({
      encoders: ['tiny-bert', 'tiny-distilbert'],
      fusions: ['concat', 'cosine'],
      split: { repeats: 5 },
      seeds: Array.from({ length: 10 }, (_, i) => i),
      epochs: 1,
      head: { hiddenUnits: 8 },
      maxParallel: 8,
    });
    const { sweepId, runIds } = await h.newSweep(grid);
    expect(runIds).toHaveLength(200);
    const started = await startSweep(h.env.client, { sweepId, taskQueue: h.cpuQueue });
    const outcome = (await h.env.client.workflow.getHandle(started.workflowId).result()) as SweepOutcome;
    expect(outcome).toMatchObject({ status: 'completed', counts: { completed: 200, failed: 0, cancelled: 0, running: 0, pending: 0 } });

    const prisma = h.db.prisma;
    expect(await prisma.run.count({ where: { sweepId, status: 'completed', attempts: 1 } })).toBe(200);
    expect(await prisma.runAttempt.count({ where: { run: { sweepId } } })).toBe(200);
    expect(await prisma.epochMetric.count({ where: { run: { sweepId } } })).toBe(200);

    // Continue-as-new every DEFAULT_SWEEP_PAGE_SIZE cells: several executions, none with a long history.
    // (Visibility is eventually consistent: list until every closed execution shows up.)
    const expected = Math.ceil(200 / DEFAULT_SWEEP_PAGE_SIZE);
    const executions = await waitFor(async () => {
      const lengths: number[] = [];
      for await (const execution of h.env.client.workflow.list({ query: `WorkflowId = '${started.workflowId}'` })) {
        lengths.push(execution.historyLength);
      }
      return lengths.length >= expected ? lengths : undefined;
    }, `${expected} executions of the sweep workflow in visibility`, 30_000, 250);
    for (const length of executions) expect(length).toBeLessThan(20 * DEFAULT_SWEEP_PAGE_SIZE);
  }, 600_000);
});

describe('cancelling a sweep larger than one cancellation batch', () => {
  it('cancels every unfinished cell in short transactions, leaves finished ones, closes running attempts', async () => {
    const cells = 2 * CANCEL_BATCH + 50;
    const { sweepId, runIds } = await h.newSweep(tinyGrid({ fusions: ['concat', 'cosine'], seeds: Array.from({ length: cells / 2 }, (_, i) => i), epochs: 1 }));
    const prisma = h.db.prisma;
    const [done, training] = runIds;
    await prisma.run.update({ where: { id: done }, data: { status: 'completed' } });
    await prisma.run.update({ where: { id: training }, data: { status: 'running', attemptsLog: { create: { attempt: 1, workflowId: 'w', status: 'running' } } } });

    // Count the transactions: one per batch of CANCEL_BATCH runs, and one that finds none left.
    let transactions = 0;
    const counting = new Proxy(prisma, {
      get(target, key, receiver) {
        if (key === '$transaction') transactions += 1;
        return Reflect.get(target, key, receiver);
      },
    });
    const activities = createSweepActivities({ prisma: counting, temporal: h.env.client });
    expect(await activities.cancelUnfinishedRuns({ sweepId })).toBe(cells - 1);
    expect(transactions).toBe(Math.ceil((cells - 1) / CANCEL_BATCH) + 1);

    const statuses = await prisma.run.groupBy({ by: ['status'], where: { sweepId }, _count: { _all: true } });
    expect(Object.fromEntries(statuses.map((g) => [g.status, g._count._all]))).toEqual({ completed: 1, cancelled: cells - 1 });
    expect(await prisma.runAttempt.findFirstOrThrow({ where: { runId: training } })).toMatchObject({ status: 'cancelled', finishedAt: expect.any(Date) });
    // A retry finds nothing left to do.
    expect(await activities.cancelUnfinishedRuns({ sweepId })).toBe(0);
  }, 120_000);
});
