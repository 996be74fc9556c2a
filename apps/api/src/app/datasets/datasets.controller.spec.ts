import { DatasetInspectionSchema, DatasetRowSchema, ErrorBodySchema } from '@agiqa/contracts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { DatasetsController } from './datasets.controller.js';

const HEADER = 'name,prompt,adj1,adj2,style,mos_quality,std_quality,mos_align,std_align';

/** An AGIQA-3K folder as its authors ship it: data.csv and the images in img/. */
function agiqa3kFolder(rows: string[][], options: { skipImages?: string[] } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'agiqa-api-dataset-'));
  mkdirSync(join(root, 'img'));
  writeFileSync(join(root, 'data.csv'), [HEADER, ...rows.map((r) => r.join(','))].join('\n') + '\n');
  for (const row of rows) {
    if (!options.skipImages?.includes(row[0])) writeFileSync(join(root, 'img', row[0]), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  }
  return root;
}

const goodRows = Array.from({ length: 6 }, (_, i) => {
  const index = String(Math.floor(i / 2)).padStart(3, '0');
  const generator = i % 2 === 0 ? 'AttnGAN_normal' : 'midjourney_lowstep';
  return [`${generator}_${index}.jpg`, `"a cat, number ${index}"`, '', '', '', (1 + i * 0.5).toFixed(3), '0.2', '3.000', '0.3'];
});

describe(DatasetsController.name, () => {
  let api: TestApi;
  const folders: string[] = [];
  const folder = (...args: Parameters<typeof agiqa3kFolder>) => {
    const root = agiqa3kFolder(...args);
    folders.push(root);
    return root;
  };

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(async () => {
    await api?.close();
    for (const root of folders) rmSync(root, { recursive: true, force: true });
  });

  afterEach(async () => {
    await api.db.prisma.dataset.deleteMany();
  });

  it('registers a folder and serves it by id and by name', async () => {
    const created = await api.request('POST', '/api/datasets', { body: { name: 'agiqa3k', format: 'agiqa3k', root: folder(goodRows) } });
    expect(created.status).toBe(201);
    const dataset = DatasetRowSchema.parse(created.body);
    expect(dataset).toMatchObject({ name: 'agiqa3k', format: 'agiqa3k', itemCount: 6, runCount: 0 });
    expect(dataset.summary.prompts).toBe(3);
    expect(await api.db.prisma.datasetItem.count({ where: { datasetId: dataset.id } })).toBe(6);

    expect(DatasetRowSchema.parse((await api.request('GET', `/api/datasets/${dataset.id}`)).body).name).toBe('agiqa3k');
    expect(DatasetRowSchema.parse((await api.request('GET', '/api/datasets/agiqa3k')).body).id).toBe(dataset.id);
    expect(DatasetRowSchema.array().parse((await api.request('GET', '/api/datasets')).body)).toHaveLength(1);
    expect((await api.request('GET', '/api/datasets/nope')).status).toBe(404);
  });

  it('answers 409 for a taken name', async () => {
    const body = { name: 'taken', format: 'agiqa3k', root: folder(goodRows) };
    expect((await api.request('POST', '/api/datasets', { body })).status).toBe(201);
    const again = await api.request('POST', '/api/datasets', { body });
    expect(again.status).toBe(409);
    expect(ErrorBodySchema.parse(again.body).error.code).toBe('conflict');
  });

  it('registers a bad dataset not at all, listing every problem with file, line and field', async () => {
    const rows = goodRows.map((r) => [...r]);
    rows[1][5] = 'excellent';
    rows[3][5] = '7.5';
    const root = folder(rows, { skipImages: [rows[4][0]] });
    const response = await api.request('POST', '/api/datasets', { body: { name: 'bad', format: 'agiqa3k', root } });
    expect(response.status).toBe(400);
    const paths = ErrorBodySchema.parse(response.body).error.details?.map((d) => d.path) ?? [];
    expect(paths.length).toBeGreaterThanOrEqual(3);
    expect(paths.some((p) => /data\.csv:3:mos_quality/.test(p))).toBe(true);
    expect(paths.some((p) => /data\.csv:5:mos_quality/.test(p))).toBe(true);
    expect(await api.db.prisma.dataset.count()).toBe(0);
    expect(await api.db.prisma.datasetItem.count()).toBe(0);
  });

  it('inspects a folder without writing anything', async () => {
    const rows = goodRows.map((r) => [...r]);
    rows[2][5] = 'n/a';
    const response = await api.request('POST', '/api/datasets/inspect', { body: { name: 'maybe', format: 'agiqa3k', root: folder(rows) } });
    expect(response.status).toBe(200);
    const inspection = DatasetInspectionSchema.parse(response.body);
    expect(inspection.ok).toBe(false);
    expect(inspection.nameAvailable).toBe(true);
    expect(inspection.problems.some((p) => p.path.includes('mos_quality'))).toBe(true);
    expect(await api.db.prisma.dataset.count()).toBe(0);
  });

  it('rejects a body with an unknown format with a 400 naming the field', async () => {
    const response = await api.request('POST', '/api/datasets', { body: { name: 'x', format: 'csv', root: '/tmp' } });
    expect(response.status).toBe(400);
    expect(ErrorBodySchema.parse(response.body).error.details?.map((d) => d.path)).toEqual(['format']);
  });
});
