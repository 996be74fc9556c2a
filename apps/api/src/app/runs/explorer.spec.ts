import { ComparisonSchema, DeleteResultSchema, ErrorBodySchema, RunListSchema, RunRowSchema } from '@agiqa/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeRun, seedDataset, seedSweep, setNaN } from '../../testing/seed.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';

/**
 * The runs explorer over a real PGlite: 2 encoders × 2 fusions × seeds 0, 1, 2, 10 (seed 10 sorts
 * after 2 only as a number), with SRCC = 0.5 + 0.1·[fusion is concat] + 0.01·seed.
 */
describe('GET /api/runs (runs explorer)', () => {
  let api: TestApi;
  let sweepId: string;
  let runIds: string[];
  const seeds = [0, 1, 2, 10];
  const srccOf = (fusion: string, seed: number) => 0.5 + (fusion === 'concat' ? 0.1 : 0) + 0.01 * seed;

  beforeAll(async () => {
    api = await startTestApi();
    const prisma = api.db.prisma;
    await seedDataset(prisma, 'synth', { items: 8 });
    const { sweep, runs } = await seedSweep(prisma, { name: 'explorer', encoders: ['tiny-bert', 'tiny-distilbert'], fusions: ['concat', 'cosine'], datasets: ['synth'], seeds, epochs: 3, learningRate: 0.001 });
    sweepId = sweep.id;
    runIds = runs.map((r) => r.id);
    for (const run of runs) {
      if (run.textEncoder === 'tiny-distilbert' && run.fusion === 'cosine' && run.seed === 10) continue; // stays pending
      await completeRun(prisma, run.id, { srcc: srccOf(run.fusion as string, run.seed as number), plcc: 0.7 });
    }
    const diverged = runs.find((r) => r.textEncoder === 'tiny-distilbert' && r.fusion === 'cosine' && r.seed === 2);
    if (diverged) await setNaN(prisma, 'Run', 'srcc', { id: diverged.id });
  });

  afterAll(async () => {
    await api?.close();
  });

  const list = async (query: string) => {
    const response = await api.request('GET', `/api/runs?${query}`);
    expect(response.status, response.text).toBe(200);
    return RunListSchema.parse(response.body);
  };

  it('filters by column, number and config field, and counts every match', async () => {
    const page = await list('filter=fusion%3Dconcat&filter=seed%3E%3D2&filter=config.learningRate%3D1e-3&limit=2');
    expect(page.total).toBe(4); // 2 encoders × seeds 2 and 10
    expect(page.items).toHaveLength(2);
    expect(page.items.every((r) => r.fusion === 'concat' && (r.seed as number) >= 2)).toBe(true);
    expect((await list('filter=status%3Dpending')).items.map((r) => r.cellKey)).toEqual(['synth/tiny-distilbert/cosine/r0/s10']);
    expect((await list('filter=cellKey~distilbert/concat')).total).toBe(4);
    // The method is a field like the others (its database spelling never shows).
    expect((await list('filter=method%3Dfusion-head')).total).toBe(16);
    expect((await list('filter=method%3Dclip-iqa')).total).toBe(0);
  });

  it('sorts numbers as numbers, missing and non-finite values last', async () => {
    const seedsInOrder = (await list('filter=textEncoder%3Dtiny-bert&filter=fusion%3Dconcat&sort=seed')).items.map((r) => r.seed);
    expect(seedsInOrder).toEqual([0, 1, 2, 10]);
    const bySrcc = (await list('filter=textEncoder%3Dtiny-distilbert&filter=fusion%3Dcosine&sort=-srcc')).items;
    // NaN (seed 2) and pending (seed 10) last, in id order between them.
    expect(bySrcc.map((r) => r.seed).slice(0, 2)).toEqual([1, 0]);
    expect(bySrcc.slice(2).map((r) => r.metrics)).toEqual([null, null]);
  });

  it('groups by fields with mean ± sample std and n of each metric', async () => {
    const page = await list('groupBy=textEncoder,fusion&sort=-srcc');
    expect(page.total).toBe(4);
    const group = page.groups?.find((g) => g.key.textEncoder === 'tiny-bert' && g.key.fusion === 'concat');
    const values = seeds.map((s) => srccOf('concat', s));
    const mean = values.reduce((a, b) => a + b, 0) / 4;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / 3);
    expect(group).toMatchObject({ runs: 4, completed: 4, metrics: { srcc: { n: 4 } } });
    expect(group?.metrics.srcc.mean).toBeCloseTo(mean, 12);
    expect(group?.metrics.srcc.std).toBeCloseTo(std, 12);
    // The diverged and the pending run count as runs, not as SRCC values.
    const cosine = page.groups?.find((g) => g.key.textEncoder === 'tiny-distilbert' && g.key.fusion === 'cosine');
    expect(cosine).toMatchObject({ runs: 4, completed: 3, metrics: { srcc: { n: 2 } } });
    expect(page.groups?.[0].key).toMatchObject({ fusion: 'concat' });
    // Run ids only when asked, as many as asked, oldest first.
    expect(page.groups?.[0].runIds).toEqual([]);
    const withIds = await list('groupBy=textEncoder,fusion&sort=-srcc&groupRunIds=3');
    const members = await api.db.prisma.run.findMany({
      where: { textEncoder: withIds.groups?.[0].key.textEncoder, fusion: withIds.groups?.[0].key.fusion },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    expect(withIds.groups?.[0].runIds).toEqual(members.slice(0, 3).map((r) => r.id));
  });

  it('answers bad filters, sorts and groups with a 400 naming them', async () => {
    for (const [query, text] of [
      ['filter=colour%3Dred', 'unknown field'],
      ['filter=fusion%3E3', 'fusion is text'],
      ['filter=seed%3Eabc', 'compares numbers'],
      ['sort=-nope', 'nope'],
      ['groupBy=tag', 'group by tag'],
      ['limit=501', 'limit'],
      ['groupBy=fusion&groupRunIds=1001', 'groupRunIds'],
    ] as const) {
      const response = await api.request('GET', `/api/runs?${query}`);
      expect(response.status, query).toBe(400);
      expect(JSON.stringify(ErrorBodySchema.parse(response.body)), query).toContain(text);
    }
  });

  it('keeps tags and a note per run, and filters by tag', async () => {
    const response = await api.request('PATCH', `/api/runs/${runIds[0]}`, { body: { tags: ['baseline', 'baseline', 'paper'], note: 'first try' } });
    expect(response.status, response.text).toBe(200);
    expect(RunRowSchema.parse(response.body)).toMatchObject({ tags: ['baseline', 'paper'], note: 'first try' });
    expect((await list('filter=tag%3Dbaseline')).items.map((r) => r.id)).toEqual([runIds[0]]);
    expect((await api.request('PATCH', `/api/runs/${runIds[0]}`, { body: {} })).status).toBe(400);
  });

  it('archives a sweep: its runs leave the default list and come back with archived=include', async () => {
    expect((await api.request('POST', `/api/sweeps/${sweepId}/archive`)).status).toBe(200);
    expect((await list('')).total).toBe(0);
    expect((await list('archived=include')).total).toBe(16);
    expect((await api.request('POST', `/api/sweeps/${sweepId}/unarchive`)).status).toBe(200);
    expect((await list('')).total).toBe(16);
  });

  it('compares any number of runs or an explorer query with groups, curves and Holm-corrected tests', async () => {
    const response = await api.request('POST', '/api/runs/compare', { body: { filter: ['status=completed'], groupBy: ['fusion'] } });
    expect(response.status, response.text).toBe(200);
    const comparison = ComparisonSchema.parse(response.body);
    expect(comparison.series.map((s) => s.label).sort()).toEqual(['fusion=concat', 'fusion=cosine']);
    expect(comparison.runs).toHaveLength(15);
    expect(comparison.dimensions).toEqual(expect.arrayContaining(['textEncoder', 'fusion', 'seed']));
    expect(comparison.pairwise).toHaveLength(1);
    expect(comparison.pairwise[0].pHolm).toBeCloseTo(comparison.pairwise[0].p, 12);
    const byIds = ComparisonSchema.parse((await api.request('POST', '/api/runs/compare', { body: { ids: runIds.slice(0, 12) } })).body);
    expect(byIds.series).toHaveLength(12);
    expect((await api.request('POST', '/api/runs/compare', { body: { ids: [runIds[0]] } })).status).toBe(400);
  });

  it('refuses to delete a pending run, deletes a finished one with everything it produced', async () => {
    const pending = (await list('filter=status%3Dpending')).items[0];
    const refused = await api.request('DELETE', `/api/runs/${pending.id}`);
    expect(refused.status).toBe(409);
    expect(ErrorBodySchema.parse(refused.body).error.message).toContain('cancel its sweep first');
    await api.db.prisma.epochMetric.create({ data: { runId: runIds[1], epoch: 1, trainLoss: 1, testSrcc: 0.5, testPlcc: 0.5, durationMs: 1 } });
    const deleted = await api.request('DELETE', `/api/runs/${runIds[1]}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(DeleteResultSchema.parse(deleted.body).deleted).toMatchObject({ runs: 1, epochMetrics: 1 });
    expect(await api.db.prisma.epochMetric.count({ where: { runId: runIds[1] } })).toBe(0);
    expect((await api.request('GET', `/api/runs/${runIds[1]}`)).status).toBe(404);
  });

  it('refuses to delete a running sweep and a dataset that runs use', async () => {
    expect((await api.request('DELETE', `/api/sweeps/${sweepId}`)).status).toBe(409);
    const dataset = await api.request('DELETE', '/api/datasets/synth');
    expect(dataset.status).toBe(409);
    expect(ErrorBodySchema.parse(dataset.body).error.message).toContain('used by');
  });
});
