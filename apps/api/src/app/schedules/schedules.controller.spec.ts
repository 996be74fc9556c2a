import { ErrorBodySchema, ScheduleDetailSchema, ScheduleRowSchema } from '@agiqa/contracts';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataset } from '../../testing/seed.js';
import { startTestApi, startTestTemporal, type TestApi } from '../../testing/test-api.js';
import { SchedulesController } from './schedules.controller.js';

const grid = { encoders: ['tiny-bert'], fusions: ['concat'], datasets: ['synth'], seeds: [0], epochs: 1 };

describe(SchedulesController.name, () => {
  let temporal: TestWorkflowEnvironment;
  let api: TestApi;

  beforeAll(async () => {
    const started = await startTestTemporal();
    temporal = started.env;
    api = await startTestApi({ temporal: started.connector });
    await seedDataset(api.db.prisma, 'synth');
  });

  afterAll(async () => {
    await api?.close();
    await temporal?.teardown();
  });

  const temporalSchedule = (id: string) => temporal.client.schedule.getHandle(`schedule-${id}`).describe();

  it('creates the row and the Temporal schedule, overlap skip by default', async () => {
    const response = await api.request('POST', '/api/schedules', { body: { name: 'nightly', grid, cron: '0 3 * * *' } });
    expect(response.status).toBe(201);
    const schedule = ScheduleDetailSchema.parse(response.body);
    expect(schedule).toMatchObject({ name: 'nightly', cron: '0 3 * * *', overlap: 'skip', paused: false, sweepCount: 0 });
    expect(schedule.temporal.ok).toBe(true);
    expect(schedule.temporal.nextActionTimes.length).toBeGreaterThan(0);
    const described = await temporalSchedule(schedule.id);
    expect(described.policies.overlap).toBe('SKIP');
    // Temporal stores a cron expression as a structured calendar: 03:00 every day.
    expect(described.spec.calendars?.[0]?.hour).toEqual([{ start: 3, end: 3, step: 1 }]);
  });

  it('refuses a grid that no firing could create (over AGIQA_MAX_SWEEP_CELLS), naming the limit', async () => {
    const huge = { ...grid, seeds: Array.from({ length: 5001 }, (_, i) => i) };
    const response = await api.request('POST', '/api/schedules', { body: { name: 'huge', grid: huge, cron: '0 3 * * *' } });
    expect(response.status).toBe(400);
    const error = ErrorBodySchema.parse(response.body).error;
    expect(error.message).toContain('at most 5,000 (AGIQA_MAX_SWEEP_CELLS)');
    expect(error.details?.map((d) => d.path)).toEqual(['grid']);
    expect(await api.db.prisma.schedule.count({ where: { name: 'huge' } })).toBe(0);
  });

  it('pauses, resumes, triggers and deletes, keeping the row and Temporal in step', async () => {
    const schedule = ScheduleDetailSchema.parse(
      (await api.request('POST', '/api/schedules', { body: { name: 'hourly', grid, intervalSeconds: 3600 } })).body,
    );
    const paused = await api.request('POST', `/api/schedules/${schedule.id}/pause`);
    expect(paused.status).toBe(200);
    expect(ScheduleDetailSchema.parse(paused.body)).toMatchObject({ paused: true, temporal: { paused: true } });
    expect((await temporalSchedule(schedule.id)).state.paused).toBe(true);

    const resumed = ScheduleDetailSchema.parse((await api.request('POST', `/api/schedules/${schedule.id}/resume`)).body);
    expect(resumed).toMatchObject({ paused: false, temporal: { paused: false } });

    expect((await api.request('POST', `/api/schedules/${schedule.id}/trigger`)).status).toBe(200);
    await expect.poll(async () => (await temporalSchedule(schedule.id)).info.recentActions.length, { timeout: 10_000 }).toBeGreaterThan(0);

    const listed = await api.request('GET', '/api/schedules');
    expect(ScheduleRowSchema.array().parse(listed.body).map((s) => s.name)).toContain('hourly');

    const deleted = await api.request('DELETE', `/api/schedules/${schedule.id}`);
    expect(deleted.status).toBe(200);
    await expect(temporalSchedule(schedule.id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await api.db.prisma.schedule.findUnique({ where: { id: schedule.id } })).toBeNull();
    expect((await api.request('GET', `/api/schedules/${schedule.id}`)).status).toBe(404);
  });

  it('rejects a bad spec with a 400 naming the field, writing nothing', async () => {
    const before = await api.db.prisma.schedule.count();
    const both = await api.request('POST', '/api/schedules', { body: { name: 'x', grid, cron: '0 3 * * *', intervalSeconds: 60 } });
    expect(both.status).toBe(400);
    expect(ErrorBodySchema.parse(both.body).error.details?.[0].path).toBe('cron');
    const badCron = await api.request('POST', '/api/schedules', { body: { name: 'y', grid, cron: 'every tuesday-ish' } });
    expect(badCron.status).toBe(400);
    expect(ErrorBodySchema.parse(badCron.body).error.details?.[0].path).toBe('cron');
    const badDataset = await api.request('POST', '/api/schedules', { body: { name: 'z', grid: { ...grid, datasets: ['nope'] }, cron: '0 3 * * *' } });
    expect(badDataset.status).toBe(400);
    expect(ErrorBodySchema.parse(badDataset.body).error.details?.[0].path).toBe('grid.datasets.0');
    const badEpochs = await api.request('POST', '/api/schedules', { body: { name: 'w', grid: { ...grid, epochs: -1 }, cron: '0 3 * * *' } });
    expect(ErrorBodySchema.parse(badEpochs.body).error.details?.[0].path).toBe('grid.epochs');
    expect(await api.db.prisma.schedule.count()).toBe(before);
  });

  it('answers 409 for a taken name and 404 for an unknown schedule', async () => {
    const body = { name: 'dup', grid, intervalSeconds: 600, paused: true };
    expect((await api.request('POST', '/api/schedules', { body })).status).toBe(201);
    expect((await api.request('POST', '/api/schedules', { body })).status).toBe(409);
    for (const verb of ['pause', 'resume', 'trigger']) {
      expect((await api.request('POST', `/api/schedules/00000000-0000-0000-0000-000000000000/${verb}`)).status).toBe(404);
    }
    expect((await api.request('DELETE', '/api/schedules/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});

describe(`${SchedulesController.name} without Temporal`, () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    await seedDataset(api.db.prisma, 'synth');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('answers 503 and writes no row', async () => {
    const response = await api.request('POST', '/api/schedules', { body: { name: 'nightly', grid, cron: '0 3 * * *' } });
    expect(response.status).toBe(503);
    expect(await api.db.prisma.schedule.count()).toBe(0);
  });
});
