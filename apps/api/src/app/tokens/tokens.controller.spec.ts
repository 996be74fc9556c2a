import { request as httpRequest } from 'node:http';
import { ApiTokenRowSchema, CreatedApiTokenSchema, ErrorBodySchema, HealthSchema } from '@agiqa/contracts';
import { networkInterfaces } from 'node:os';
import type { Db } from '@agiqa/db';
import { createTestDb } from '@agiqa/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { TokensController } from './tokens.controller.js';

/** An IPv4 address of this machine that is not loopback: requests to it do not come from 127.0.0.1. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

const codeOf = (body: unknown) => ErrorBodySchema.parse(body).error.code;
const missingSweep = '/api/sweeps/00000000-0000-0000-0000-000000000000/cancel';

describe(TokensController.name, () => {
  let db: Db;
  let api: TestApi;
  // One database for all cases (each gets its own app and starts without tokens).
  const start = (options: Parameters<typeof startTestApi>[0] = {}) => startTestApi({ db, ...options });

  beforeAll(async () => {
    db = await createTestDb();
  });

  afterEach(async () => {
    await api?.close();
    await db.prisma.apiToken.deleteMany();
  });

  afterAll(async () => {
    await db?.close();
  });

  it('lets the first token be created without auth, shows its secret once, and requires it for writes from then on', async () => {
    api = await start();
    const created = await api.request('POST', '/api/tokens', { body: { name: 'ci' } });
    expect(created.status).toBe(201);
    const token = CreatedApiTokenSchema.parse(created.body);
    expect(token.token).toMatch(/^agiqa_[A-Za-z0-9_-]{40,}$/);

    const stored = await api.db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.tokenHash).not.toContain(token.token);

    const listed = await api.request('GET', '/api/tokens');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(token.token);
    expect(ApiTokenRowSchema.array().parse(listed.body).map((t) => t.name)).toEqual(['ci']);

    const anonymous = await api.request('POST', '/api/tokens', { body: { name: 'second' } });
    expect(anonymous.status).toBe(401);
    expect(codeOf(anonymous.body)).toBe('unauthorized');
    expect((await api.request('POST', '/api/tokens', { body: { name: 'second' }, token: 'agiqa_wrong' })).status).toBe(401);
    expect((await api.request('POST', '/api/tokens', { body: { name: 'second' }, token: token.token })).status).toBe(201);
    expect((await api.db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt).not.toBeNull();
  });

  it('says in health whether writes need a token: none, a stored one, the environment one', async () => {
    const tokensRequired = async () => HealthSchema.parse((await api.request('GET', '/api/health')).body).auth.tokensRequiredForWrites;
    api = await start();
    expect(await tokensRequired()).toBe(false);
    expect((await api.request('POST', '/api/tokens', { body: { name: 'ci' } })).status).toBe(201);
    expect(await tokensRequired()).toBe(true);
    await api.close();
    await db.prisma.apiToken.deleteMany();
    api = await start({ env: { AGIQA_API_TOKEN: 'env-secret-token' } });
    expect(await tokensRequired()).toBe(true);
  });

  it('keeps reads open on localhost when tokens are required', async () => {
    api = await start({ env: { AGIQA_API_TOKEN: 'env-secret-token' } });
    expect((await api.request('GET', '/api/sweeps')).status).toBe(200);
    expect((await api.request('GET', '/api/health')).status).toBe(200);
  });

  it('does not take a proxied or foreign-Host request for a local one', async () => {
    api = await start();
    // Before any token exists local writes are open; these must be refused like remote ones.
    const body = { name: 'sneaky' };
    const proxied = await api.request('POST', '/api/tokens', { body, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(403);
    // fetch will not send a foreign Host header; node:http will, as a rebinding browser does.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${api.url}/api/tokens`, { method: 'POST', headers: { host: 'attacker.example:8750', 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
    expect(rebound).toBe(403);
    expect((await api.request('GET', '/api/tokens')).status).toBe(200);
  });

  it('refuses the bootstrap token when AGIQA_API_TOKEN is set, and accepts that token', async () => {
    api = await start({ env: { AGIQA_API_TOKEN: 'env-secret-token' } });
    expect((await api.request('POST', '/api/tokens', { body: { name: 'first' } })).status).toBe(401);
    expect((await api.request('POST', '/api/tokens', { body: { name: 'first' }, token: 'env-secret-token' })).status).toBe(201);
  });

  it('revokes a token: it stops working, and writes open again once no token is left', async () => {
    api = await start();
    const token = CreatedApiTokenSchema.parse((await api.request('POST', '/api/tokens', { body: { name: 'only' } })).body);
    const revoked = await api.request('DELETE', `/api/tokens/${token.id}`, { token: token.token });
    expect(revoked.status).toBe(200);
    expect(ApiTokenRowSchema.parse(revoked.body).revokedAt).not.toBeNull();
    expect((await api.request('POST', '/api/tokens', { body: { name: 'next' } })).status).toBe(201);
  });

  it('tells an unknown resource (404) from a missing token (401) and a remote write without tokens (403)', async () => {
    api = await start();
    expect((await api.request('POST', missingSweep)).status).toBe(404);
    const token = CreatedApiTokenSchema.parse((await api.request('POST', '/api/tokens', { body: { name: 't' } })).body);
    expect((await api.request('POST', missingSweep)).status).toBe(401);
    const withToken = await api.request('POST', missingSweep, { token: token.token });
    expect(withToken.status).toBe(404);
    expect(codeOf(withToken.body)).toBe('not_found');
    expect((await api.request('DELETE', '/api/tokens/00000000-0000-0000-0000-000000000000', { token: token.token })).status).toBe(404);
  });

  it.runIf(externalAddress)('refuses writes from another machine while no token exists, and reads need a token once one does', async () => {
    api = await start({ listenOnAllInterfaces: true });
    const remote = { host: externalAddress };
    const refused = await api.request('POST', missingSweep, remote);
    expect(refused.status).toBe(403);
    expect(codeOf(refused.body)).toBe('forbidden');
    expect((await api.request('GET', '/api/sweeps', remote)).status).toBe(200);

    const token = CreatedApiTokenSchema.parse((await api.request('POST', '/api/tokens', { body: { name: 't' } })).body);
    expect((await api.request('GET', '/api/sweeps', remote)).status).toBe(401);
    expect((await api.request('GET', '/api/sweeps', { ...remote, token: token.token })).status).toBe(200);
    expect((await api.request('POST', missingSweep, { ...remote, token: token.token })).status).toBe(404);
  });

  it('rejects a duplicate token name with 409 and a bad one with 400 naming the field', async () => {
    api = await start({ env: { AGIQA_API_TOKEN: 'env-secret-token' } });
    const auth = { token: 'env-secret-token' };
    expect((await api.request('POST', '/api/tokens', { body: { name: 'a' }, ...auth })).status).toBe(201);
    expect((await api.request('POST', '/api/tokens', { body: { name: 'a' }, ...auth })).status).toBe(409);
    const bad = await api.request('POST', '/api/tokens', { body: { name: '' }, ...auth });
    expect(bad.status).toBe(400);
    expect(ErrorBodySchema.parse(bad.body).error.details?.[0].path).toBe('name');
  });
});
