import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { AgiqaError, WORKFLOW_TYPES } from '@agiqa/contracts';
import { rememberCpuQueue } from './connection.js';
import { cancelSweep, describeSweepWorkflow, startSweep, sweepWorkflowId } from './sweeps.js';
import { startTestTemporal } from './testing/index.js';

// No worker polls this queue: the workflows stay RUNNING, which is all these client helpers see.
const queue = `orchestration-spec-${process.pid}`;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTestTemporal();
  rememberCpuQueue(env.client, queue);
});
afterAll(async () => {
  await env?.teardown();
});

describe(startSweep.name, () => {
  it('starts one SweepWorkflow per execution and is idempotent', async () => {
    const first = await startSweep(env.client, { sweepId: 'sweep-a' });
    const again = await startSweep(env.client, { sweepId: 'sweep-a' });
    expect(first.workflowId).toBe('sweep-sweep-a');
    expect(again.runId).toBe(first.runId);

    const description = await env.client.workflow.getHandle(first.workflowId).describe();
    expect(description.type).toBe(WORKFLOW_TYPES.sweep);
    expect(description.taskQueue).toBe(queue);
  });

  it('gives a re-run its own workflow id and passes the cells to re-run', async () => {
    const started = await startSweep(env.client, { sweepId: 'sweep-b', execution: 3, runIds: ['r1', 'r2'] });
    expect(started.workflowId).toBe('sweep-sweep-b-rerun-2');
    const history = await env.client.workflow.getHandle(started.workflowId).fetchHistory();
    const attributes = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const payload = attributes?.input?.payloads?.[0]?.data;
    expect(JSON.parse(Buffer.from(payload as Uint8Array).toString('utf8'))).toEqual({ sweepId: 'sweep-b', runIds: ['r1', 'r2'] });
  });
});

describe(describeSweepWorkflow.name, () => {
  it('returns null for a sweep whose workflow was never started', async () => {
    expect(await describeSweepWorkflow(env.client, { id: 'never', executions: 1 })).toBeNull();
  });
});

describe(cancelSweep.name, () => {
  it('requests cancellation of the current execution', async () => {
    await startSweep(env.client, { sweepId: 'sweep-c' });
    const { workflowId } = await cancelSweep(env.client, { id: 'sweep-c', executions: 1 });
    expect(workflowId).toBe(sweepWorkflowId('sweep-c'));
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
  });

  it('refuses a sweep that is not running with a conflict', async () => {
    const error = await cancelSweep(env.client, { id: 'never', executions: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).code).toBe('conflict');
    expect((error as AgiqaError).message).toContain('never started');
  });
});
