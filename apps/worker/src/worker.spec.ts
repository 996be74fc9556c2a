import { startTestTemporal } from '@agiqa/orchestration/testing';
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlerOptions } from './bundle.js';
import { createWorkers, isForcedShutdown } from './worker.js';

describe(createWorkers.name, () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startTestTemporal();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('gives up on an activity that ignores its cancellation: run() throws once the grace and the force period are over', async () => {
    let started!: () => void;
    const activityStarted = new Promise<void>((resolve) => (started = resolve));
    const activities = {
      // Never settles and never looks at its cancellation, as a hung native call would.
      stuck: () => {
        started();
        return new Promise<void>(() => undefined);
      },
    };
    const [worker] = (await createWorkers({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      role: 'cpu',
      cpuQueue: 'stuck-activity',
      gpuQueue: 'unused',
      activities: { cpu: activities, gpu: {} } as unknown as Parameters<typeof createWorkers>[0]['activities'],
      workflows: { workflowsPath: join(import.meta.dirname, 'testing/stuck-activity.workflow.ts'), bundlerOptions: bundlerOptions() },
      shutdownGraceMs: 200,
      shutdownForceAfterGraceMs: 1_000,
    })) as [Worker];
    const running = worker.run();
    await env.client.workflow.start('stuckActivityWorkflow', { taskQueue: 'stuck-activity', workflowId: `stuck-${Date.now()}` });
    await activityStarted;

    const stopping = performance.now();
    worker.shutdown();
    const outcome = await Promise.race([
      running.then(
        () => 'stopped',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still running after 15 s'), 15_000)),
    ]);
    // The SDK throws GracefulShutdownPeriodExpiredError, which its own cleanup then masks with
    // "Worker still in use" (the stuck activity holds a reference): either says it gave up.
    expect(outcome).toBeInstanceOf(Error);
    expect(isForcedShutdown(outcome)).toBe(true);
    // Grace (0.2 s) + force period (1 s), and the SDK's own polling.
    expect(performance.now() - stopping).toBeLessThan(10_000);
  }, 60_000);
});
