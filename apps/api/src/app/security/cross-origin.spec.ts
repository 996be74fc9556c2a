import { CreatedApiTokenSchema, ErrorBodySchema } from '@agiqa/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataset, seedSweep } from '../../testing/seed.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { crossOriginPolicy } from './cross-origin.js';

const EVIL = 'https://evil.example';
const DEV_DASHBOARD = 'http://localhost:5173';

describe(crossOriginPolicy.name, () => {
  let api: TestApi;
  let sweepId: string;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi({ env: { AGIQA_CORS_ORIGINS: `${DEV_DASHBOARD}, https://Other.Example:8443` } });
    await seedDataset(api.db.prisma, 'synth');
    const { sweep } = await seedSweep(api.db.prisma, { encoders: ['tiny-bert'], fusions: ['concat'], datasets: ['synth'], seeds: [0] });
    await api.db.prisma.sweep.update({ where: { id: sweep.id }, data: { status: 'running' } });
    sweepId = sweep.id;
    token = CreatedApiTokenSchema.parse((await api.request('POST', '/api/tokens', { body: { name: 'csrf test' } })).body).token;
  });

  afterAll(async () => {
    await api?.close();
  });

  const preflight = (origin: string) =>
    api.request('OPTIONS', `/api/sweeps/${sweepId}/cancel`, {
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });

  it('answers a preflight from the dashboard\'s own origin and from configured ones', async () => {
    for (const origin of [api.url, DEV_DASHBOARD, 'https://other.example:8443']) {
      const response = await preflight(origin);
      expect(response.status, origin).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(response.headers.get('vary')).toContain('Origin');
    }
  });

  it('refuses a preflight from any other origin, without CORS headers', async () => {
    const response = await preflight(EVIL);
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(ErrorBodySchema.parse(response.body).error.code).toBe('forbidden');
  });

  it('refuses a body-less cross-site POST, with or without a token, and changes nothing', async () => {
    for (const token_ of [undefined, token]) {
      const response = await api.request('POST', `/api/sweeps/${sweepId}/cancel`, { headers: { origin: EVIL }, ...(token_ ? { token: token_ } : {}) });
      expect(response.status).toBe(403);
      expect(ErrorBodySchema.parse(response.body).error.message).toContain(`cross-site request refused: Origin ${EVIL}`);
    }
    const noOrigin = await api.request('DELETE', '/api/tokens/x', { headers: { 'sec-fetch-site': 'cross-site' }, token });
    expect(noOrigin.status).toBe(403);
    const sameSite = await api.request('POST', '/api/tokens', { body: { name: 'x' }, headers: { 'sec-fetch-site': 'same-site' }, token });
    expect(sameSite.status).toBe(403);
    const opaque = await api.request('POST', '/api/tokens', { body: { name: 'x' }, headers: { origin: 'null' }, token });
    expect(opaque.status).toBe(403);
    expect((await api.db.prisma.sweep.findUniqueOrThrow({ where: { id: sweepId } })).status).toBe('running');
    expect(await api.db.prisma.apiToken.count()).toBe(1);
  });

  it('lets the dashboard\'s own writes through, and clients that are not browsers', async () => {
    // 404 from the handler (no such sweep): past the cross-origin policy.
    const own = await api.request('POST', '/api/sweeps/00000000-0000-0000-0000-000000000000/cancel', { headers: { origin: api.url, 'sec-fetch-site': 'same-origin' }, token });
    expect(own.status).toBe(404);
    expect(own.headers.get('access-control-allow-origin')).toBe(api.url);
    const dev = await api.request('POST', '/api/sweeps/00000000-0000-0000-0000-000000000000/cancel', { headers: { origin: DEV_DASHBOARD }, token });
    expect(dev.status).toBe(404);
    const cli = await api.request('POST', '/api/sweeps/00000000-0000-0000-0000-000000000000/cancel', { token });
    expect(cli.status).toBe(404);
    const typed = await api.request('POST', '/api/sweeps/00000000-0000-0000-0000-000000000000/cancel', { headers: { 'sec-fetch-site': 'none' }, token });
    expect(typed.status).toBe(404);
  });

  it('serves cross-origin reads without CORS headers (the page cannot read them)', async () => {
    const response = await api.request('GET', '/api/health', { headers: { origin: EVIL } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
