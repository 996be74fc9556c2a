import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { workerIdentity } from '@agiqa/contracts';
import { startTestTemporal } from './testing/index.js';
import { describeWorkers } from './workers.js';

const cpuQueue = `workers-spec-cpu-${process.pid}`;
const gpuQueues = [`workers-spec-gpu-0-${process.pid}`, `workers-spec-gpu-1-${process.pid}`];
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTestTemporal();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

describe(describeWorkers.name, () => {
  it('lists the workers polling each queue with the engine and device their identity names', async () => {
    const identity = workerIdentity({ pid: 4242, host: hostname(), role: 'gpu', engine: 'tfjs', backend: 'wasm', device: 'cpu' });
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: gpuQueues[0], identity, activities: { noop: async () => undefined } });
    const running = worker.run();
    try {
      let listed = await describeWorkers(env.client, { cpu: cpuQueue, gpu: gpuQueues });
      for (let i = 0; i < 50 && listed.queues[1].workers.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        listed = await describeWorkers(env.client, { cpu: cpuQueue, gpu: gpuQueues });
      }
      expect(listed.queues.map((q) => [q.name, q.kind, q.workers.length])).toEqual([
        [cpuQueue, 'cpu', 0],
        [gpuQueues[0], 'gpu', 1],
        [gpuQueues[1], 'gpu', 0],
      ]);
      expect(listed.queues[1].workers[0]).toMatchObject({ identity, pid: 4242, host: hostname(), role: 'gpu', engine: 'tfjs', backend: 'wasm', device: 'cpu', polls: ['activity'] });
      expect(Date.parse(listed.queues[1].workers[0].lastAccessTime as string)).toBeGreaterThan(Date.now() - 120_000);
    } finally {
      worker.shutdown();
      await running;
    }
  });
});
