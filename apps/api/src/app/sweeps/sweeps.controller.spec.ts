import { ErrorBodySchema, RerunResultSchema, SweepDetailSchema, SweepListSchema, type ErrorBody, type SweepDetail } from '@agiqa/contracts';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeRun, seedDataset } from '../../testing/seed.js';
import { startTestApi, startTestTemporal, type TestApi } from '../../testing/test-api.js';
import { SweepsController } from './sweeps.controller.js';

const grid = { encoders: ['tiny-bert'], fusions: ['concat', 'cosine'], datasets: ['synth'], seeds: [0, 1], epochs: 2 };

describe(SweepsController.name, () => {
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

  const postSweep = (body: unknown) => api.request<SweepDetail | ErrorBody>('POST', '/api/sweeps', { body });
  const problems = (body: unknown) => ErrorBodySchema.parse(body).error.details?.map((d) => d.path);

  describe('rejects a bad grid with a 400 naming the field', () => {
    it('an unknown encoder', async () => {
      const response = await postSweep({ ...grid, encoders: ['bert-large'] });
      expect(response.status).toBe(400);
      expect(problems(response.body)).toEqual(['encoders.0']);
      expect(ErrorBodySchema.parse(response.body).error.message).toContain('encoders.0');
    });

    it('an empty list', async () => {
      const response = await postSweep({ ...grid, fusions: [] });
      expect(response.status).toBe(400);
      expect(problems(response.body)).toEqual(['fusions']);
    });

    it('negative epochs', async () => {
      const response = await postSweep({ ...grid, epochs: -3 });
      expect(response.status).toBe(400);
      expect(problems(response.body)).toEqual(['epochs']);
    });

    it('an unknown key', async () => {
      const response = await postSweep({ ...grid, epochz: 3 });
      expect(response.status).toBe(400);
      expect(ErrorBodySchema.parse(response.body).error.message).toContain('epochz');
    });

    it('an unregistered dataset, listing the registered ones', async () => {
      const response = await postSweep({ ...grid, datasets: ['synth', 'nope'] });
      expect(response.status).toBe(400);
      expect(problems(response.body)).toEqual(['datasets.1']);
      expect(JSON.stringify(response.body)).toContain('synth');
    });

    it('malformed JSON', async () => {
      const response = await api.request('POST', '/api/sweeps', { raw: '{"encoders": ["bert-base",}' });
      expect(response.status).toBe(400);
      expect(ErrorBodySchema.parse(response.body).error).toMatchObject({ code: 'invalid_input', details: [{ path: '(body)' }] });
    });

    it('a gzip body that is not gzip', async () => {
      const response = await api.request('POST', '/api/sweeps', { raw: JSON.stringify(grid), headers: { 'content-encoding': 'gzip' } });
      expect(response.status).toBe(400);
      expect(ErrorBodySchema.parse(response.body).error.code).toBe('invalid_input');
    });

    it('a NUL character in a field or a path parameter', async () => {
      const body = await postSweep({ ...grid, name: 'a\u0000b' });
      expect(body.status).toBe(400);
      expect(problems(body.body)).toEqual(['name']);
      expect((await api.request('GET', '/api/sweeps/%00')).status).toBe(400);
      expect((await api.request('GET', '/api/tables/1?dataset=%00')).status).toBe(400);
    });

    it('a body that is not JSON', async () => {
      const response = await api.request('POST', '/api/sweeps', { raw: 'encoders=bert-base', contentType: 'text/plain' });
      expect(response.status).toBe(400);
      expect(ErrorBodySchema.parse(response.body).error.message).toContain('application/json');
    });
  });

  it('creates the sweep rows and starts a SweepWorkflow', async () => {
    const response = await postSweep({ ...grid, name: 'two fusions' });
    expect(response.status).toBe(201);
    const sweep = SweepDetailSchema.parse(response.body);
    expect(sweep).toMatchObject({ name: 'two fusions', status: 'pending', cellCount: 4, counts: { pending: 4 } });
    expect(sweep.runs.map((r) => r.cellKey)).toEqual([
      'synth/tiny-bert/concat/r0/s0',
      'synth/tiny-bert/concat/r0/s1',
      'synth/tiny-bert/cosine/r0/s0',
      'synth/tiny-bert/cosine/r0/s1',
    ]);
    expect(sweep.progress).toEqual({ epochsDone: 0, epochsTotal: 8, fraction: 0, finishedCells: 0 });

    const workflow = await temporal.client.workflow.getHandle(`sweep-${sweep.id}`).describe();
    expect(workflow.type).toBe('SweepWorkflow');
    expect(workflow.status.name).toBe('RUNNING');
    const row = await api.db.prisma.sweep.findUniqueOrThrow({ where: { id: sweep.id } });
    expect(row.workflowId).toBe(`sweep-${sweep.id}`);
  });

  it('lists sweeps newest first with counts, paginated', async () => {
    const first = SweepDetailSchema.parse((await postSweep({ ...grid, name: 'older' })).body);
    const second = SweepDetailSchema.parse((await postSweep({ ...grid, name: 'newer' })).body);
    const page = SweepListSchema.parse((await api.request('GET', '/api/sweeps?limit=2')).body);
    expect(page.items.map((s) => s.id)).toEqual([second.id, first.id]);
    expect(page.items[0].counts).toEqual({ pending: 4, running: 0, completed: 0, failed: 0, cancelled: 0 });
    expect(page.limit).toBe(2);
    const next = SweepListSchema.parse((await api.request('GET', '/api/sweeps?limit=2&offset=2')).body);
    expect(next.items.map((s) => s.id)).not.toContain(second.id);
    expect(next.total).toBe(page.total);
  });

  it('rejects bad paging with a 400 naming the parameter', async () => {
    const response = await api.request('GET', '/api/sweeps?limit=0');
    expect(response.status).toBe(400);
    expect(problems(response.body)).toEqual(['limit']);
  });

  it('answers 404 for an unknown sweep', async () => {
    for (const [method, path] of [
      ['GET', '/api/sweeps/00000000-0000-0000-0000-000000000000'],
      ['POST', '/api/sweeps/00000000-0000-0000-0000-000000000000/cancel'],
      ['POST', '/api/sweeps/00000000-0000-0000-0000-000000000000/rerun-failed'],
    ] as const) {
      const response = await api.request(method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(ErrorBodySchema.parse(response.body).error.code).toBe('not_found');
    }
  });

  it('cancels a running sweep through its workflow', async () => {
    const sweep = SweepDetailSchema.parse((await postSweep(grid)).body);
    const response = await api.request('POST', `/api/sweeps/${sweep.id}/cancel`);
    expect(response.status).toBe(202);
    const history = await temporal.client.workflow.getHandle(`sweep-${sweep.id}`).fetchHistory();
    const requested = history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes);
    expect(requested).toBe(true);
  });

  it('re-runs only the failed and cancelled cells of a finished sweep', async () => {
    const sweep = SweepDetailSchema.parse((await postSweep(grid)).body);
    expect((await api.request('POST', `/api/sweeps/${sweep.id}/rerun-failed`)).status).toBe(409);

    // Finish it by hand: no worker runs in this test.
    await temporal.client.workflow.getHandle(`sweep-${sweep.id}`).terminate('test');
    const [completed, failed, cancelled, alsoCompleted] = sweep.runs;
    const prisma = api.db.prisma;
    await completeRun(prisma, completed.id, { srcc: 0.5, plcc: 0.6 });
    await completeRun(prisma, alsoCompleted.id, { srcc: 0.5, plcc: 0.6 });
    await prisma.run.update({ where: { id: failed.id }, data: { status: 'failed', error: 'boom' } });
    await prisma.run.update({ where: { id: cancelled.id }, data: { status: 'cancelled' } });
    await prisma.sweep.update({ where: { id: sweep.id }, data: { status: 'failed', finishedAt: new Date() } });

    const response = await api.request('POST', `/api/sweeps/${sweep.id}/rerun-failed`);
    expect(response.status).toBe(202);
    const result = RerunResultSchema.parse(response.body);
    expect(new Set(result.runIds)).toEqual(new Set([failed.id, cancelled.id]));
    expect(result.execution).toBe(2);
    const workflow = await temporal.client.workflow.getHandle(result.workflowId).describe();
    expect(workflow.status.name).toBe('RUNNING');
  });

  it('refuses to cancel a sweep that already finished', async () => {
    const sweep = SweepDetailSchema.parse((await postSweep(grid)).body);
    await api.db.prisma.sweep.update({ where: { id: sweep.id }, data: { status: 'completed' } });
    const response = await api.request('POST', `/api/sweeps/${sweep.id}/cancel`);
    expect(response.status).toBe(409);
  });
});

describe(`${SweepsController.name} without Temporal`, () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    await seedDataset(api.db.prisma, 'synth');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('answers 503 and creates nothing when Temporal is unreachable', async () => {
    const response = await api.request('POST', '/api/sweeps', { body: grid });
    expect(response.status).toBe(503);
    expect(ErrorBodySchema.parse(response.body).error.message).toMatch(/Temporal is not reachable at 127\.0\.0\.1:\d+/);
    expect(await api.db.prisma.sweep.count()).toBe(0);
    expect(await api.db.prisma.run.count()).toBe(0);
  });

  it('still serves reads', async () => {
    const response = await api.request('GET', '/api/sweeps');
    expect(response.status).toBe(200);
    expect(SweepListSchema.parse(response.body).items).toEqual([]);
  });
});
