// A CommonJS module: its namespace is only reachable through the default export under Node's ESM loader.
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '@agiqa/contracts';
import { startSweep } from '@agiqa/orchestration';
import { startHarness, tinyGrid, waitFor, type Harness } from '../testing/harness.js';

// Task-queue priority and fairness on the real dev server (started with TEMPORAL_DEV_SERVER_ARGS:
// fairness on, one partition per queue). Training tasks pile up on the GPU queue while no GPU
// worker polls it; then one GPU worker with one slot takes them, and the order it gets them in is
// the order the matching service dispatched them.
let h: Harness;
let stopCpu: () => Promise<void>;

beforeAll(async () => {
  h = await startHarness();
  stopCpu = await h.startWorkers('cpu', { cpuActivitySlots: 8 });
}, 120_000);
afterAll(async () => {
  await stopCpu?.();
  await h?.close();
});

/** Waits until every one of these cells has its training task scheduled on the GPU queue. */
async function trainingQueued(runIds: string[]): Promise<void> {
  await waitFor(
    async () => {
      for (const runId of runIds) {
        const pending = await h.env.client.workflow
          .getHandle(workflowIds.run(runId, 1))
          .describe()
          .then((d) => d.raw.pendingActivities ?? [], () => []);
        if (!pending.some((a) => a.activityType?.name === 'trainRun')) return undefined;
      }
      return true;
    },
    `training of ${runIds.length} cells queued`,
    180_000,
    200,
  );
}

/**
 * Waits until the GPU queue's backlog holds `count` tasks. A training task scheduled in a
 * workflow's history reaches the matching service a moment later (a transfer task carries it):
 * a worker that polled in between would get the tasks already there, whatever their priority.
 */
async function backlogHolds(count: number): Promise<void> {
  const client = h.env.client;
  await waitFor(
    async () => {
      const described = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: h.gpuQueue },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        reportStats: true,
      });
      return Number(described.stats?.approximateBacklogCount ?? 0) >= count ? true : undefined;
    },
    `${count} tasks in the GPU queue's backlog`,
    60_000,
    100,
  );
}

describe('task-queue priority and fairness', () => {
  it('dispatches an interactive single run first and shares the queue between sweeps', async () => {
    const big = await h.newSweep(tinyGrid({ seeds: [1, 2, 3, 4, 5, 6, 7, 8], maxParallel: 8 }));
    await startSweep(h.env.client, { sweepId: big.sweepId, taskQueue: h.cpuQueue });
    await trainingQueued(big.runIds);
    const small = await h.newSweep(tinyGrid({ seeds: [11, 12], maxParallel: 2 }));
    await startSweep(h.env.client, { sweepId: small.sweepId, taskQueue: h.cpuQueue });
    await trainingQueued(small.runIds);
    const single = await h.newSweep(tinyGrid({ seeds: [21] }));
    await startSweep(h.env.client, { sweepId: single.sweepId, taskQueue: h.cpuQueue });
    await trainingQueued(single.runIds);
    await backlogHolds(big.runIds.length + small.runIds.length + single.runIds.length);

    const order: string[] = [];
    const stopGpu = await h.startWorkers('gpu', {
      wrap: (activities) => ({
        ...activities,
        gpu: {
          ...activities.gpu,
          trainRun: (input: Parameters<typeof activities.gpu.trainRun>[0]) => {
            order.push(input.runId);
            return activities.gpu.trainRun(input);
          },
        },
      }),
    });
    try {
      await waitFor(async () => (order.length >= 11 ? true : undefined), 'every queued training to start', 300_000, 100);
    } finally {
      await stopGpu();
    }
    // Priority: the single run (queued last) is trained first.
    expect(order[0]).toBe(single.runIds[0]);
    // Fairness: the small sweep (queued after all eight cells of the big one) is not served last;
    // first-in-first-out within a priority would put both of its cells at positions 9 and 10.
    const positions = small.runIds.map((id) => order.indexOf(id)).sort((a, b) => a - b);
    expect(positions[1]).toBeLessThan(8);
  }, 600_000);
});
