import { ErrorBodySchema, HealthSchema } from '@agiqa/contracts';
import { createDb, type Db } from '@agiqa/db';
import { createMigratedPglite, startGateway, type PgliteGateway } from '@agiqa/db/testing';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { HealthController } from './health.controller.js';

// The API over the PGlite gateway, which the test stops and starts again on the same port.
describe(`${HealthController.name} during a database outage`, () => {
  let pglite: PGlite;
  let gateway: PgliteGateway;
  let db: Db;
  let api: TestApi;

  beforeAll(async () => {
    pglite = await createMigratedPglite();
    gateway = await startGateway({ db: pglite });
    db = await createDb({ url: gateway.url });
    api = await startTestApi({ db });
  });

  afterAll(async () => {
    await api?.close();
    await db?.close();
    await gateway?.close();
    await pglite?.close();
  });

  it('reports the outage in health, answers 503 meanwhile, and recovers on its own', async () => {
    const before = HealthSchema.parse((await api.request('GET', '/api/health')).body);
    expect(before.database).toMatchObject({ ok: true, error: null, unreachableSince: null });

    const port = gateway.port;
    await gateway.close();
    const during = await api.request('GET', '/api/health');
    expect(during.status).toBe(200);
    const health = HealthSchema.parse(during.body);
    expect(health.status).toBe('degraded');
    expect(health.database.ok).toBe(false);
    expect(health.database.error).toMatch(/P1001: Can't reach database server|DatabaseNotReachable|ECONNREFUSED|Connection terminated|ConnectionClosed/);
    expect(health.database.unreachableSince).not.toBeNull();

    // A read while the database is away is "try again later", never an internal error.
    const read = await api.request('GET', '/api/sweeps');
    expect(read.status).toBe(503);
    expect(ErrorBodySchema.parse(read.body).error.message).toMatch(/^the database is not reachable/);

    gateway = await startGateway({ db: pglite, port });
    const after = HealthSchema.parse((await api.request('GET', '/api/health')).body);
    expect(after.database).toMatchObject({ ok: true, error: null, unreachableSince: null });
    expect((await api.request('GET', '/api/sweeps')).status).toBe(200);
  });
});
