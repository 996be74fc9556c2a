import { ErrorBodySchema, Table1Schema, Table2Schema, Table3Schema, TimingTableSchema } from '@agiqa/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeRun, seedDataset, seedSweep, setNaN } from '../../testing/seed.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { TablesController } from './tables.controller.js';

describe(TablesController.name, () => {
  let api: TestApi;
  const runIds: Record<string, string[]> = {};

  beforeAll(async () => {
    api = await startTestApi();
    const prisma = api.db.prisma;
    await seedDataset(prisma, 'agiqa3k');
    await seedDataset(prisma, 'aigc', { format: 'aigciqa2023' });
    const { runs } = await seedSweep(prisma, {
      encoders: ['bert-base', 'distilbert'],
      fusions: ['concat', 'cross_attention'],
      datasets: ['agiqa3k'],
      seeds: [0, 1],
      epochs: 2,
    });
    const metrics: Record<string, [number, number]> = {
      'bert-base/cross_attention/r0/s0': [0.88, 0.91],
      'bert-base/cross_attention/r0/s1': [0.86, 0.89],
      'bert-base/concat/r0/s0': [0.8, 0.85],
      'distilbert/concat/r0/s0': [0.1, 0.1],
      'distilbert/concat/r0/s1': [0.7, 0.75],
      'distilbert/cross_attention/r0/s0': [0.82, 0.84],
    };
    for (const run of runs) {
      const key = run.cellKey.replace(/^agiqa3k\//, '');
      const value = metrics[key];
      if (!value) continue;
      await completeRun(prisma, run.id, { srcc: value[0], plcc: value[1], reportRule: key === 'distilbert/cross_attention/r0/s0' ? 'best_on_test' : 'last' });
      if (key === 'distilbert/concat/r0/s0') {
        // Prisma refuses to write NaN; a broken run can still reach Postgres (float8 holds NaN).
        await setNaN(prisma, 'Run', 'srcc', { id: run.id });
        await setNaN(prisma, 'Run', 'plcc', { id: run.id });
      } else {
        (runIds[key.split('/r0')[0]] ??= []).push(run.id);
      }
    }
    await prisma.timingMeasurement.createMany({
      data: [
        // Stages carry their own backend, as measureLatency records them.
        { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'cross_attention', stage: 'total', batchSize: 1, samples: 20, medianMs: 100, p90Ms: 130, backend: 'onnxruntime-cpu+tfjs-wasm', machine: { hostname: 'box' } },
        { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'cross_attention', stage: 'total', batchSize: 1, samples: 20, medianMs: 120, p90Ms: 150, backend: 'onnxruntime-cpu+tfjs-wasm', machine: { hostname: 'box' } },
        { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'cross_attention', stage: 'text_encode', batchSize: 1, samples: 20, medianMs: 40, p90Ms: 50, backend: 'onnxruntime-cpu', machine: { hostname: 'box' } },
        { textEncoder: 'tiny-bert', imageEncoder: 'tiny-clip', fusion: 'cross_attention', stage: 'total', batchSize: 8, samples: 10, medianMs: 16, p90Ms: 20, backend: 'wasm', machine: { hostname: 'box' } },
        // Not the configuration the paper timed (cross-attention + CLIP ViT-B/32): no paper figure beside it.
        { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'concat', stage: 'total', batchSize: 1, samples: 20, medianMs: 90, p90Ms: 95, backend: 'onnxruntime-cpu+tfjs-wasm', machine: { hostname: 'box' } },
      ],
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('builds Table 1 with the runs behind every cell, never NaN', async () => {
    const response = await api.request('GET', '/api/tables/1?dataset=agiqa3k');
    expect(response.status).toBe(200);
    expect(response.text).not.toContain('NaN');
    const table = Table1Schema.parse(response.body);
    const bert = table.rows.find((r) => r.textEncoder === 'bert-base');
    expect(bert?.cells.cross_attention?.srcc).toBeCloseTo(0.87, 10);
    expect(new Set(bert?.cells.cross_attention?.runIds)).toEqual(new Set(runIds['bert-base/cross_attention']));
    const distil = table.rows.find((r) => r.textEncoder === 'distilbert');
    expect(distil?.cells.concat?.srcc).toBeCloseTo(0.7, 10);
    expect(distil?.cells.cross_attention?.optimistic).toBe(true);
    expect(table.reported.find((r) => r.textEncoder === 'roberta')?.cells.concat?.uncertain).toBe(true);
  });

  it('answers a 400 naming the parameter for an unknown dataset', async () => {
    const response = await api.request('GET', '/api/tables/1?dataset=nope');
    expect(response.status).toBe(400);
    expect(ErrorBodySchema.parse(response.body).error.details?.[0].path).toBe('dataset');
    expect(ErrorBodySchema.parse(response.body).error.message).toContain('agiqa3k');
    const table2 = await api.request('GET', '/api/tables/2?pku_i2iqa=nope');
    expect(ErrorBodySchema.parse(table2.body).error.details?.[0].path).toBe('pku_i2iqa');
  });

  it('builds Table 2: the paper rows as reported, the proposed configuration measured beside them', async () => {
    const table = Table2Schema.parse((await api.request('GET', '/api/tables/2')).body);
    expect(table.columns).toEqual([
      { key: 'agiqa3k', label: 'AGIQA-3K', dataset: 'agiqa3k' },
      { key: 'aigciqa2023', label: 'AIGCIQA2023', dataset: null },
      { key: 'pku_i2iqa', label: 'PKU-I2IQA', dataset: null },
    ]);
    const index = table.rows.findIndex((r) => r.method === 'CLIP-BERT-AGIQA');
    const reported = table.rows[index];
    const measured = table.rows[index + 1];
    expect(reported.source).toBe('reported');
    expect(reported.cells.pku_i2iqa?.flags).toEqual(['conflict']);
    expect(reported.cells.pku_i2iqa?.note).toContain('0.7149');
    expect(measured).toMatchObject({ source: 'measured', proposed: true, config: { textEncoder: 'bert-base', fusion: 'cross_attention' } });
    expect(measured.cells.agiqa3k).toMatchObject({ source: 'measured', dataset: 'agiqa3k', flags: [] });
    expect(measured.cells.agiqa3k?.srcc).toBeCloseTo(0.87, 10);
    expect(new Set(measured.cells.agiqa3k?.runIds)).toEqual(new Set(runIds['bert-base/cross_attention']));
    expect(measured.cells.aigciqa2023).toBeUndefined();
    expect(table.rows.filter((r) => r.source === 'reported')).toHaveLength(16);
    expect(table.rows.find((r) => r.method === 'BRISQUE')?.cells.agiqa3k).toMatchObject({ srcc: 0.4984, source: 'reported', runIds: [] });
  });

  it('builds Table 3 with the measured proposed model', async () => {
    const table = Table3Schema.parse((await api.request('GET', '/api/tables/3')).body);
    expect(table.dataset).toBe('agiqa3k');
    expect(table.rows.map((r) => `${r.method}:${r.source}`)).toEqual([
      'PSCR:reported',
      'CLIP-AGIQA:reported',
      'CLIP-BERT-AGIQA:reported',
      'CLIP-BERT-AGIQA (this platform):measured',
    ]);
  });

  it('aggregates timing measurements beside the paper figure, none for tiny fixtures', async () => {
    const table = TimingTableSchema.parse((await api.request('GET', '/api/tables/timing')).body);
    // One configuration row however many stage rows (and stage backends) it has.
    expect(table.rows.filter((r) => r.textEncoder === 'bert-base' && r.fusion === 'cross_attention')).toHaveLength(1);
    const bert = table.rows.find((r) => r.textEncoder === 'bert-base' && r.fusion === 'cross_attention');
    expect(table.rows.find((r) => r.textEncoder === 'bert-base' && r.fusion === 'concat')?.paperMs).toBeNull();
    expect(bert).toMatchObject({ host: 'box', backend: 'onnxruntime-cpu+tfjs-wasm', batchSize: 1, measurements: 2, paperMs: 217, totalMsPerImage: 110 });
    expect(bert?.stages.total).toEqual({ medianMs: 110, p90Ms: 140, samples: 40 });
    expect(bert?.stages.text_encode.medianMs).toBe(40);
    const tiny = table.rows.find((r) => r.textEncoder === 'tiny-bert');
    expect(tiny).toMatchObject({ paperMs: null, batchSize: 8, totalMsPerImage: 16 });
    expect(table.paper.msPerImage).toEqual({ bert_base: 217, distilbert: 152, roberta: 196 });
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

  it('serves every table with the paper figures only', async () => {
    const table1 = Table1Schema.parse((await api.request('GET', '/api/tables/1')).body);
    expect(table1.rows.every((r) => Object.keys(r.cells).length === 0)).toBe(true);
    const table2 = Table2Schema.parse((await api.request('GET', '/api/tables/2')).body);
    expect(table2.rows.every((r) => r.source === 'reported')).toBe(true);
    expect(Table3Schema.parse((await api.request('GET', '/api/tables/3')).body).dataset).toBeNull();
    expect(TimingTableSchema.parse((await api.request('GET', '/api/tables/timing')).body).rows).toEqual([]);
  });
});
