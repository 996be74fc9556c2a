import { hostname } from 'node:os';
import { WorkersSchema, workerIdentity } from '@agiqa/contracts';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, startTestTemporal, type TestApi } from '../../testing/test-api.js';
import { WorkersController } from './workers.controller.js';

describe(WorkersController.name, () => {
  let temporal: TestWorkflowEnvironment;
  let api: TestApi;
  const queues = { AGIQA_CPU_QUEUE: `api-workers-cpu-${process.pid}`, AGIQA_GPU_QUEUES: `api-workers-gpu-${process.pid}` };

  beforeAll(async () => {
    const started = await startTestTemporal();
    temporal = started.env;
    api = await startTestApi({ temporal: started.connector, env: queues });
  });

  afterAll(async () => {
    await api?.close();
    await temporal?.teardown();
  });

  it('lists the GPU worker polling its queue with its engine and device', async () => {
    const identity = workerIdentity({ pid: 77, host: hostname(), role: 'gpu', engine: 'tfjs', backend: 'wasm', device: 'cpu' });
    const worker = await Worker.create({ connection: temporal.nativeConnection, taskQueue: queues.AGIQA_GPU_QUEUES, identity, activities: { noop: async () => undefined } });
    const running = worker.run();
    try {
      await expect
        .poll(async () => WorkersSchema.parse((await api.request('GET', '/api/workers')).body).queues.find((q) => q.kind === 'gpu')?.workers, { timeout: 15_000 })
        .toMatchObject([{ identity, engine: 'tfjs', device: 'cpu', role: 'gpu', polls: ['activity'] }]);
      const listed = WorkersSchema.parse((await api.request('GET', '/api/workers')).body);
      expect(listed.queues.map((q) => [q.name, q.kind])).toEqual([
        [queues.AGIQA_CPU_QUEUE, 'cpu'],
        [queues.AGIQA_GPU_QUEUES, 'gpu'],
      ]);
    } finally {
      worker.shutdown();
      await running;
    }
  });
});
