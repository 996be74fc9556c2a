import { startSweep } from '@agiqa/orchestration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
