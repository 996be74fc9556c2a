import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { AgiqaError, WORKFLOW_TYPES } from '@agiqa/contracts';
import { rememberCpuQueue } from './connection.js';
import {
  createSweepSchedule,
  deleteSchedule,
  describeSchedule,
  pauseSchedule,
  temporalScheduleId,
  triggerSchedule,
  unpauseSchedule,
} from './schedules.js';
import { startTestTemporal } from './testing/index.js';

const queue = `schedules-spec-${process.pid}`;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTestTemporal();
  rememberCpuQueue(env.client, queue);
});
afterAll(async () => {
  await env?.teardown();
});

describe(createSweepSchedule.name, () => {
  it('creates a schedule that starts ScheduledSweepWorkflow with overlap skip by default', async () => {
    const { temporalScheduleId: id } = await createSweepSchedule(env.client, { scheduleId: 's1', cron: '0 3 * * 1' });
    expect(id).toBe(temporalScheduleId('s1'));
    const raw = await env.client.schedule.getHandle(id).describe();
    expect(raw.action.workflowType).toBe(WORKFLOW_TYPES.scheduledSweep);
    expect(raw.action.taskQueue).toBe(queue);
    expect(raw.action.args).toEqual([{ scheduleId: 's1' }]);
    expect(raw.policies.overlap).toBe('SKIP');

    const state = await describeSchedule(env.client, 's1');
    expect(state).toMatchObject({ paused: false, overlap: 'skip', actionsTaken: 0 });
    expect(state.nextActionTimes.length).toBeGreaterThan(0);
  });

  it('accepts an interval spec and an explicit overlap policy', async () => {
    await createSweepSchedule(env.client, { scheduleId: 's2', intervalSeconds: 3600, overlap: 'buffer_one', paused: true });
    expect(await describeSchedule(env.client, 's2')).toMatchObject({ paused: true, overlap: 'buffer_one' });
  });

  it('rejects a bad cron expression naming the field', async () => {
    const error = await createSweepSchedule(env.client, { scheduleId: 's3', cron: 'every tuesday-ish' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).code).toBe('invalid_input');
    expect((error as AgiqaError).details[0].path).toBe('cron');
  });

  it('rejects a cron field out of range naming the field', async () => {
    await expect(createSweepSchedule(env.client, { scheduleId: 's3b', cron: '61 * * * *' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: [{ path: 'cron' }],
    });
  });

  it('rejects both or neither of cron and intervalSeconds', async () => {
    await expect(createSweepSchedule(env.client, { scheduleId: 's4' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(createSweepSchedule(env.client, { scheduleId: 's4', cron: '* * * * *', intervalSeconds: 60 })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('reports an id that exists already as a conflict', async () => {
    await createSweepSchedule(env.client, { scheduleId: 's5', intervalSeconds: 3600 });
    await expect(createSweepSchedule(env.client, { scheduleId: 's5', intervalSeconds: 3600 })).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('schedule controls', () => {
  it('pauses, resumes, triggers and deletes', async () => {
    await createSweepSchedule(env.client, { scheduleId: 'c1', intervalSeconds: 24 * 3600 });
    await pauseSchedule(env.client, 'c1', 'maintenance');
    expect(await describeSchedule(env.client, 'c1')).toMatchObject({ paused: true, note: 'maintenance' });
    await unpauseSchedule(env.client, 'c1');
    expect((await describeSchedule(env.client, 'c1')).paused).toBe(false);

    await triggerSchedule(env.client, 'c1');
    const fired = await waitFor(async () => {
      const state = await describeSchedule(env.client, 'c1');
      return state.recentActions.length > 0 ? state : undefined;
    });
    // Temporal appends the firing time to the action's workflow id.
    expect(fired.recentActions[0].workflowId).toMatch(/^schedule-c1-/);
    const started = await env.client.workflow.getHandle(fired.recentActions[0].workflowId).describe();
    expect(started.type).toBe(WORKFLOW_TYPES.scheduledSweep);

    await deleteSchedule(env.client, 'c1');
    await expect(describeSchedule(env.client, 'c1')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports an unknown schedule as not found', async () => {
    await expect(pauseSchedule(env.client, 'missing')).rejects.toMatchObject({ code: 'not_found' });
    await expect(triggerSchedule(env.client, 'missing')).rejects.toMatchObject({ code: 'not_found' });
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
