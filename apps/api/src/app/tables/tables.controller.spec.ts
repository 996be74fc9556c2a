import {
  ErrorBodySchema,
  SettingsComparisonSchema,
  SettingsListSchema,
  Table1Schema,
  Table2Schema,
  Table3Schema,
  TimingTableSchema,
} from '@agiqa/contracts';
import { sweepWithResults } from '@agiqa/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataset, setNaN } from '../../testing/seed.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { TablesController } from './tables.controller.js';

describe(TablesController.name, () => {
  let api: TestApi;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApi();
    const prisma = api.db.prisma;
    await seedDataset(prisma, 'agiqa3k');
    await seedDataset(prisma, 'aigc', { format: 'aigciqa2023' });
    const grid = { encoders: ['bert-base', 'distilbert'] as const, fusions: ['concat', 'cross_attention'] as const, datasets: ['agiqa3k'], seeds: [0, 1] };
    const paper = await sweepWithResults(prisma, { ...grid, encoders: [...grid.encoders], fusions: [...grid.fusions] }, {
      'agiqa3k/bert-base/cross_attention/r0/s0': [0.88, 0.91],
      'agiqa3k/bert-base/cross_attention/r0/s1': [0.86, 0.89],
      'agiqa3k/bert-base/concat/r0/s0': [0.8, 0.85],
      'agiqa3k/bert-base/concat/r0/s1': [0.79, 0.84],
      'agiqa3k/distilbert/concat/r0/s0': [0.1, 0.1],
      'agiqa3k/distilbert/concat/r0/s1': [0.7, 0.75],
      'agiqa3k/distilbert/cross_attention/r0/s0': { srcc: 0.82, plcc: 0.84, reportRule: 'best_on_test' },
    });
    ids.paper = paper.sweep.id;
    // Prisma refuses to write NaN; a broken run can still reach Postgres (float8 holds NaN).
    const broken = paper.runs.find((r) => r.cellKey === 'agiqa3k/distilbert/concat/r0/s0')?.id as string;
    await setNaN(prisma, 'Run', 'srcc', { id: broken });
    await setNaN(prisma, 'Run', 'plcc', { id: broken });
    const ablation = await sweepWithResults(prisma, { encoders: ['bert-base'], fusions: ['concat', 'cross_attention'], datasets: ['agiqa3k'], seeds: [0, 1], epochs: 5 }, {
      'agiqa3k/bert-base/cross_attention/r0/s0': [0.7, 0.72],
      'agiqa3k/bert-base/cross_attention/r0/s1': [0.69, 0.71],
      'agiqa3k/bert-base/concat/r0/s0': [0.6, 0.62],
    });
    ids.ablation = ablation.sweep.id;
    await prisma.timingMeasurement.createMany({
      data: [
        { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'cross_attention', stage: 'total', batchSize: 1, samples: 20, medianMs: 100, p90Ms: 130, backend: 'onnxruntime-cpu+tfjs-wasm', machine: { hostname: 'box' } },
        { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'cross_attention', stage: 'total', batchSize: 1, samples: 20, medianMs: 120, p90Ms: 150, backend: 'onnxruntime-cpu+tfjs-wasm', machine: { hostname: 'box' } },
        { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'cross_attention', stage: 'text_encode', batchSize: 1, samples: 20, medianMs: 40, p90Ms: 50, backend: 'onnxruntime-cpu', machine: { hostname: 'box' } },
        { textEncoder: 'tiny-bert', imageEncoder: 'tiny-clip', fusion: 'cross_attention', stage: 'total', batchSize: 8, samples: 10, medianMs: 16, p90Ms: 20, backend: 'wasm', machine: { hostname: 'box' } },
        { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'concat', stage: 'total', batchSize: 1, samples: 20, medianMs: 90, p90Ms: 95, backend: 'onnxruntime-cpu+tfjs-wasm', machine: { hostname: 'box' } },
      ],
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  it("builds Table 1 in the paper's protocol with n, Δ and the runs behind every cell, never NaN", async () => {
    const response = await api.request('GET', '/api/tables/1?dataset=agiqa3k');
    expect(response.status).toBe(200);
    expect(response.text).not.toContain('NaN');
    const table = Table1Schema.parse(response.body);
    expect(table.selection).toMatchObject({ rule: 'paper-protocol', otherSettings: 1 });
    const bert = table.rows.find((r) => r.textEncoder === 'bert-base');
    expect(bert?.cells.cross_attention).toMatchObject({ n: 2 });
    expect(bert?.cells.cross_attention?.srcc).toBeCloseTo(0.87, 10);
    expect(bert?.cells.cross_attention?.delta?.srcc).toBeCloseTo(0.87 - 0.8823, 10);
    const distil = table.rows.find((r) => r.textEncoder === 'distilbert');
    expect(distil?.cells.concat).toMatchObject({ srcc: 0.7, n: 1 });
    expect(distil?.cells.cross_attention?.optimistic).toBe(true);
    expect(table.excluded.nonFinite).toBe(1);
  });

  it('picks the ablation by sweep, and answers 400 naming the parameter for bad input', async () => {
    const picked = Table1Schema.parse((await api.request('GET', `/api/tables/1?sweep=${ids.ablation}`)).body);
    expect(picked.selection).toMatchObject({ rule: 'sweep', setting: { fields: { epochs: 5 } } });
    const cases: [string, string][] = [
      ['/api/tables/1?dataset=nope', 'dataset'],
      ['/api/tables/1?setting=bogus', 'setting'],
      ['/api/tables/1?plcc=spline', 'plcc'],
      ['/api/tables/1?format=pdf', 'format'],
      [`/api/tables/1?sweep=${ids.paper}&setting=set_000000000000`, 'setting'],
      ['/api/tables/2?pku_i2iqa=nope', 'pku_i2iqa'],
      ['/api/tables/3?published=maybe', 'published'],
      ['/api/tables/timing?inProgress=sometimes', 'inProgress'],
      ['/api/tables/significance?a=x', 'b'],
    ];
    for (const [path, field] of cases) {
      const response = await api.request('GET', path);
      expect(response.status, path).toBe(400);
      expect(ErrorBodySchema.parse(response.body).error.details?.[0].path, path).toBe(field);
    }
  });

  it("builds Table 2: the paper's rows as reported, the proposed model measured beside them, unmoved by the ablation", async () => {
    const table = Table2Schema.parse((await api.request('GET', '/api/tables/2')).body);
    expect(table.columns.map((c) => c.dataset)).toEqual(['agiqa3k', null, null]);
    const index = table.rows.findIndex((r) => r.method === 'CLIP-BERT-AGIQA');
    expect(table.rows[index].cells.pku_i2iqa?.flags).toEqual(['conflict']);
    const measured = table.rows[index + 1];
    expect(measured).toMatchObject({ source: 'measured', proposed: true, config: { textEncoder: 'bert-base', fusion: 'cross_attention' }, setting: { paperProtocol: true } });
    expect(measured.cells.agiqa3k).toMatchObject({ n: 2, dataset: 'agiqa3k' });
    expect(measured.cells.agiqa3k?.srcc).toBeCloseTo(0.87, 10);
    expect(table.rows.filter((r) => r.source === 'reported')).toHaveLength(16);
  });

  it("builds Table 3 with the measured proposed model and other papers' published rows", async () => {
    const table = Table3Schema.parse((await api.request('GET', '/api/tables/3')).body);
    expect(table.rows.map((r) => `${r.method}:${r.source}`)).toEqual([
      'PSCR:reported',
      'CLIP-AGIQA:reported',
      'CLIP-BERT-AGIQA:reported',
      'CLIP-BERT-AGIQA (this platform):measured',
      'IPCE:published',
      'M3-AGIQA:published',
    ]);
  });

  it('aggregates timing measurements beside the paper figure, none for tiny fixtures', async () => {
    const table = TimingTableSchema.parse((await api.request('GET', '/api/tables/timing')).body);
    const bert = table.rows.filter((r) => r.textEncoder === 'bert-base' && r.fusion === 'cross_attention');
    expect(bert).toHaveLength(1);
    expect(bert[0]).toMatchObject({ host: 'box', batchSize: 1, measurements: 2, paperMs: 217, totalMsPerImage: 110 });
    expect(table.rows.find((r) => r.textEncoder === 'tiny-bert')).toMatchObject({ paperMs: null, totalMsPerImage: 16 });
  });

  it('lists settings and compares two over matched replicates with paired t, Wilcoxon and Holm', async () => {
    const list = SettingsListSchema.parse((await api.request('GET', '/api/tables/settings?dataset=agiqa3k')).body);
    expect(list.settings.map((s) => [s.paperProtocol, s.sweeps.map((w) => w.id)])).toEqual([
      [true, [ids.paper]],
      [false, [ids.ablation]],
    ]);
    const response = await api.request('GET', `/api/tables/significance?a=${list.settings[0].id}&b=${ids.ablation}`);
    expect(response.status).toBe(200);
    const comparison = SettingsComparisonSchema.parse(response.body);
    expect(comparison).toMatchObject({ dataset: 'agiqa3k', metric: 'srcc', correction: 'holm', b: { sweep: { id: ids.ablation } } });
    const cross = comparison.comparisons.find((c) => c.fusion === 'cross_attention');
    expect(cross).toMatchObject({ textEncoder: 'bert-base', n: 2, unmatchedA: 0, unmatchedB: 0 });
    expect(cross?.meanDiff).toBeCloseTo(0.695 - 0.87, 10);
    // Two pairs: t is defined (df 1), the Wilcoxon p cannot go below 0.5, and the note says so.
    expect(cross?.pairedT?.df).toBe(1);
    expect(cross?.wilcoxon).toMatchObject({ p: 0.5, method: 'exact' });
    expect(cross?.note).toContain('cannot go below 0.5000');
    const concat = comparison.comparisons.find((c) => c.fusion === 'concat');
    expect(concat).toMatchObject({ n: 1, unmatchedA: 1, pairedT: null });
    expect(comparison.notes[0]).toContain("Holm's step-down correction");
  });
});

describe(`${TablesController.name} on an empty database`, () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('serves every table with the paper figures only, in every format', async () => {
    const table1 = Table1Schema.parse((await api.request('GET', '/api/tables/1')).body);
    expect(table1.rows).toEqual([]);
    const table2 = Table2Schema.parse((await api.request('GET', '/api/tables/2')).body);
    expect(table2.rows.every((r) => r.source === 'reported')).toBe(true);
    expect(Table3Schema.parse((await api.request('GET', '/api/tables/3')).body).dataset).toBeNull();
    expect(TimingTableSchema.parse((await api.request('GET', '/api/tables/timing')).body).rows).toEqual([]);
    for (const table of ['1', '2', '3', 'timing']) {
      for (const format of ['latex', 'csv', 'md']) {
        const response = await api.request('GET', `/api/tables/${table}?format=${format}`);
        expect(response.status, `${table} ${format}`).toBe(200);
        expect(response.text.length).toBeGreaterThan(0);
      }
    }
  });

  it('declares the media type of every export in the OpenAPI document (schemathesis checks answers against it)', async () => {
    const document = (await api.request('GET', '/api/openapi.json')).body as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, unknown> }> } }> };
    for (const table of ['1', '2', '3', 'timing']) {
      const declared = Object.keys(document.paths[`/api/tables/${table}`].get.responses['200'].content);
      for (const format of ['json', 'latex', 'csv', 'md']) {
        const response = await api.request('GET', `/api/tables/${table}?format=${format}`);
        const mediaType = (response.headers.get('content-type') ?? '').split(';')[0];
        expect(declared, `${table} ${format}`).toContain(mediaType);
      }
    }
  });
});
