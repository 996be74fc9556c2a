import { fileURLToPath } from 'node:url';
import { ErrorBodySchema, RerunResultSchema, SweepDetailSchema, SweepListSchema, SweepRunsPageSchema, type ErrorBody, type SweepDetail } from '@agiqa/contracts';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeRun, seedDataset } from '../../testing/seed.js';
import { startTestApi, startTestTemporal, type TestApi } from '../../testing/test-api.js';
import { SweepsController } from './sweeps.controller.js';

/** A committed tiny CLIP folder that has the ONNX graphs but no PyTorch weights. */
const ONNX_ONLY_CLIP = fileURLToPath(new URL('../../../../../libs/model/fixtures/tiny/tiny-clip-no-pooler', import.meta.url));

const grid = { encoders: ['tiny-bert'], fusions: ['concat', 'cosine'], datasets: ['synth'], seeds: [0, 1], epochs: 2, imageEncoder: 'tiny-clip' };

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
  const cells = async (id: string, query = '') => SweepRunsPageSchema.parse((await api.request('GET', `/api/sweeps/${id}/runs${query}`)).body);

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

    it('an encoder whose model folder the workers do not have, naming the folder, before anything is created', async () => {
      const before = await api.db.prisma.sweep.count();
      const response = await postSweep({ ...grid, encoders: ['tiny-bert', 'bert-base'] });
      expect(response.status).toBe(400);
      expect(problems(response.body)).toEqual(['encoders.1']);
      expect(ErrorBodySchema.parse(response.body).error.message).toMatch(/encoder bert-base \(.+\) is not available offline.+AGIQA_MODELS_DIR/);
      expect(await api.db.prisma.sweep.count()).toBe(before);
    });

    it('a fine-tuning grid whose encoders have no PyTorch weights (an ONNX-only folder), naming what is missing', async () => {
      const response = await postSweep({ ...grid, trainingMode: 'finetune', modelOverrides: { 'tiny-clip': ONNX_ONLY_CLIP } });
      expect(response.status).toBe(400);
      expect(problems(response.body)).toEqual(['imageEncoder']);
      expect(ErrorBodySchema.parse(response.body).error.message).toMatch(/tiny-clip-no-pooler lacks model\.safetensors, which fine-tuning needs/);
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

    it('a grid of more cells than AGIQA_MAX_SWEEP_CELLS, naming the limit and writing nothing', async () => {
      // 3 encoders × 3 fusions × 100 split repeats × 112 seeds = 100,800 cells.
      const huge = {
        ...grid,
        encoders: ['tiny-bert', 'tiny-distilbert', 'tiny-roberta'],
        fusions: ['concat', 'cosine', 'cross_attention'],
        split: { repeats: 100 },
        seeds: Array.from({ length: 112 }, (_, i) => i),
      };
      const sweepsBefore = await api.db.prisma.sweep.count();
      const response = await postSweep(huge);
      expect(response.status).toBe(400);
      const error = ErrorBodySchema.parse(response.body).error;
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('the grid has 100,800 cells');
      expect(error.message).toContain('at most 5,000 (AGIQA_MAX_SWEEP_CELLS)');
      expect(error.details).toEqual([{ path: '(root)', message: '100800 cells, more than the limit of 5000 per sweep' }]);
      expect(await api.db.prisma.sweep.count()).toBe(sweepsBefore);
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
    expect(sweep).not.toHaveProperty('runs');
    expect((await cells(sweep.id)).items.map((r) => r.cellKey)).toEqual([
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

  it('pages a sweep\'s cells in cellKey order, filtered by status, with the total', async () => {
    const sweep = SweepDetailSchema.parse((await postSweep({ ...grid, seeds: [0, 1, 2] })).body);
    await temporal.client.workflow.getHandle(`sweep-${sweep.id}`).terminate('test: no worker');
    const all = await cells(sweep.id, '?limit=500');
    expect(all.total).toBe(6);
    const pages = [await cells(sweep.id, '?limit=4'), await cells(sweep.id, '?limit=4&offset=4')];
    expect(pages.map((p) => [p.items.length, p.total, p.limit, p.offset])).toEqual([
      [4, 6, 4, 0],
      [2, 6, 4, 4],
    ]);
    expect(pages.flatMap((p) => p.items.map((r) => r.cellKey))).toEqual(all.items.map((r) => r.cellKey));
    expect(all.items.map((r) => r.cellKey)).toEqual([...all.items.map((r) => r.cellKey)].sort());

    await completeRun(api.db.prisma, all.items[1].id, { srcc: 0.5, plcc: 0.6 });
    await api.db.prisma.run.update({ where: { id: all.items[2].id }, data: { status: 'running', epochsDone: 1 } });
    const completed = await cells(sweep.id, '?status=completed');
    expect(completed.items.map((r) => r.id)).toEqual([all.items[1].id]);
    expect(completed.total).toBe(1);
    // Progress is aggregated in the database: one finished cell (2 epochs) + one running epoch of 12.
    const detail = SweepDetailSchema.parse((await api.request('GET', `/api/sweeps/${sweep.id}`)).body);
    expect(detail.progress).toEqual({ epochsDone: 3, epochsTotal: 12, fraction: 0.25, finishedCells: 1 });
  });

  it('rejects a page beyond the maximum with a 400 naming limit and its bound', async () => {
    const sweep = SweepDetailSchema.parse((await postSweep(grid)).body);
    for (const query of ['?limit=501', '?limit=abc', '?offset=-1', '?status=done', '?limit=1&limit=2', '?offset=99999999999']) {
      const response = await api.request('GET', `/api/sweeps/${sweep.id}/runs${query}`);
      expect(response.status, query).toBe(400);
    }
    const response = await api.request('GET', `/api/sweeps/${sweep.id}/runs?limit=501`);
    expect(problems(response.body)).toEqual(['limit']);
    expect(ErrorBodySchema.parse(response.body).error.message).toContain('at most 500');
    expect((await api.request('GET', '/api/sweeps/00000000-0000-0000-0000-000000000000/runs')).status).toBe(404);
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
    const [completed, failed, cancelled, alsoCompleted] = (await cells(sweep.id)).items;
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

describe(`${SweepsController.name} with lower limits`, () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ env: { AGIQA_MAX_SWEEP_CELLS: '6', AGIQA_API_MAX_BODY_BYTES: '2048' } });
    await seedDataset(api.db.prisma, 'synth');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('refuses a sweep over the configured cell limit, naming it', async () => {
    const response = await api.request('POST', '/api/sweeps', { body: { ...grid, seeds: [0, 1, 2, 3] } });
    expect(response.status).toBe(400);
    expect(ErrorBodySchema.parse(response.body).error.message).toContain('the grid has 8 cells (1 datasets × 1 encoders × 2 fusions × 1 split repeats × 4 seeds); a sweep may have at most 6');
  });

  it('refuses a body over the configured size with a 400 naming the limit', async () => {
    const response = await api.request('POST', '/api/sweeps', { body: { ...grid, name: 'x'.repeat(3000) } });
    expect(response.status).toBe(400);
    const error = ErrorBodySchema.parse(response.body).error;
    expect(error.message).toMatch(/^request body of \d+ bytes is larger than the limit of 2048 bytes \(AGIQA_API_MAX_BODY_BYTES\)$/);
    expect(error.details).toEqual([{ path: '(body)', message: 'more than 2048 bytes' }]);
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
