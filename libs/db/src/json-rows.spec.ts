import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './connection/create-db.js';
import { jsonFloat, jsonTimestamp, queryJsonRows, timestampSql } from './json-rows.js';
import { createTestDb } from './testing/test-db.js';

describe(queryJsonRows.name, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  const read = () =>
    queryJsonRows(db.prisma, {
      columns: { n: 'v.n', x: 'v.x', at: timestampSql('v.at'), tags: 'v.tags' },
      from: `FROM (VALUES (2, 'NaN'::float8, '2026-12-05 03:04:05.678'::timestamp, ARRAY['a']), (1, 0.1::float8 + 0.2::float8, NULL, ARRAY[]::text[]), (3, '-Infinity'::float8, '10000-01-01 00:00:00.5'::timestamp, NULL)) v(n, x, at, tags) WHERE v.n <= $1`,
      orderBy: 'v.n',
      values: [3],
    });

  it('reads rows by name in the order asked, floats exactly, and NaN, infinities and UTC timestamps back as Prisma gives them', async () => {
    await db.prisma.$executeRawUnsafe(`SET TimeZone = 'Asia/Tokyo'`);
    const rows = await read();
    await db.prisma.$executeRawUnsafe(`SET TimeZone = 'UTC'`);
    expect(rows.map((r) => r['n'])).toEqual([1, 2, 3]);
    expect(rows.map((r) => jsonFloat(r['x']))).toEqual([0.1 + 0.2, Number.NaN, Number.NEGATIVE_INFINITY]);
    // Whatever the session's time zone: the column holds UTC.
    expect(rows.map((r) => jsonTimestamp(r['at'])?.toISOString() ?? null)).toEqual([null, '2026-12-05T03:04:05.678Z', '+010000-01-01T00:00:00.500Z']);
    expect(rows.map((r) => r['tags'])).toEqual([[], ['a'], null]);
  });

  it('reads no rows as an empty list', async () => {
    expect(await queryJsonRows(db.prisma, { columns: { one: '1' }, from: 'WHERE false', orderBy: '1', values: [] })).toEqual([]);
  });
});
