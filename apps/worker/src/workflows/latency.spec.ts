import { TIMING_STAGES } from '@agiqa/model';
import { startSweep } from '@agiqa/orchestration';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { startHarness, tinyGrid, type Harness } from '../testing/harness.js';
import type { SweepOutcome } from './types.js';

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

describe('latency of trained runs (grid.timing)', () => {
  it('measures every stage at every batch size with the trained head after training, idempotently', async () => {
    const timing = { batchSizes: [1, 2], warmup: 0, repeats: 2, items: 3 };
    const { sweepId, runIds } = await h.newSweep(tinyGrid({ fusions: ['cross_attention'], timing }));
    const started = await startSweep(h.env.client, { sweepId, taskQueue: h.cpuQueue });
    const outcome = (await h.env.client.workflow.getHandle(started.workflowId).result()) as SweepOutcome;
    expect(outcome.status).toBe('completed');

    const [runId] = runIds;
    const rows = await h.db.prisma.timingMeasurement.findMany({ where: { runId } });
    expect(rows).toHaveLength(TIMING_STAGES.length * timing.batchSizes.length);
    expect(new Set(rows.map((r) => r.stage))).toEqual(new Set(TIMING_STAGES));
    for (const row of rows) {
      expect(row).toMatchObject({ textEncoder: 'tiny-bert', imageEncoder: 'tiny-clip', fusion: 'cross_attention', samples: timing.repeats });
      expect(Number.isFinite(row.medianMs) && row.medianMs >= 0 && row.p90Ms >= row.medianMs).toBe(true);
      expect(row.machine).toMatchObject({ hostname: expect.any(String), gpuQueue: h.gpuQueue });
    }
    expect(rows.find((r) => r.stage === 'head')?.backend).toContain(h.deps.engines?.tfjsBackend as string);

    // A retried measurement replaces the rows instead of adding to them.
    const { gpu } = createActivities(h.deps);
    await new MockActivityEnvironment().run(gpu.measureRunLatency, { runId });
    expect(await h.db.prisma.timingMeasurement.count({ where: { runId } })).toBe(rows.length);
  });

  it('measures nothing for a grid without timing', async () => {
    const { sweepId, runIds } = await h.newSweep(tinyGrid());
    const started = await startSweep(h.env.client, { sweepId, taskQueue: h.cpuQueue });
    await h.env.client.workflow.getHandle(started.workflowId).result();
    expect(await h.db.prisma.timingMeasurement.count({ where: { runId: runIds[0] } })).toBe(0);
  });
});
