import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { createTestDb } from './test-db.js';

describe(createTestDb.name, () => {
  const opened: Db[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });

  it('gives each caller its own migrated database', async () => {
    const [a, b] = await Promise.all([createTestDb(), createTestDb()]);
    opened.push(a, b);
    await a.prisma.apiToken.create({ data: { name: 'only-in-a', tokenHash: 'h1' } });
    expect(await a.prisma.apiToken.count()).toBe(1);
    expect(await b.prisma.apiToken.count()).toBe(0);
    const history = await b.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM "_prisma_migrations"');
    expect(history[0]?.n).toBeGreaterThan(0);
  });

  it('round-trips timestamps, arrays, JSON and the mapped report-rule enum', async () => {
    const db = await createTestDb();
    opened.push(db);
    const before = Date.now();
    const dataset = await db.prisma.dataset.create({
      data: {
        name: 'd',
        format: 'agiqa3k',
        root: '/data/d',
        contentHash: 'c',
        itemCount: 0,
        labels: ['quality', 'align'],
        summary: { rows: 0, nested: { a: [1, 2] } },
      },
    });
    const read = await db.prisma.dataset.findUniqueOrThrow({ where: { id: dataset.id } });
    expect(read.labels).toEqual(['quality', 'align']);
    expect(read.summary).toEqual({ rows: 0, nested: { a: [1, 2] } });
    // Stored as UTC wall time: within a few seconds of the JS clock, not shifted by a zone.
    expect(Math.abs(read.createdAt.getTime() - before)).toBeLessThan(5_000);
    expect(Math.abs(read.updatedAt.getTime() - before)).toBeLessThan(5_000);
    const sweep = await db.prisma.sweep.create({ data: { grid: {}, cellCount: 1 } });
    const run = await db.prisma.run.create({
      data: {
        sweepId: sweep.id,
        cellKey: 'k',
        datasetId: dataset.id,
        textEncoder: 'bert-base',
        imageEncoder: 'clip-vit-b32',
        fusion: 'concat',
        splitRepeat: 0,
        seed: 0,
        config: {},
        reportRule: 'best_on_val',
      },
    });
    expect(run.reportRule).toBe('best_on_val');
    const raw = await db.prisma.$queryRawUnsafe<{ rule: string }[]>('SELECT "reportRule"::text AS rule FROM "Run"');
    expect(raw[0]?.rule).toBe('best-on-val');
  });
});
