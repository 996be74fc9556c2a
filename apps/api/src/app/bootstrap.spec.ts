import { ErrorBodySchema, HealthSchema } from '@agiqa/contracts';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, startTestTemporal, type TestApi } from '../testing/test-api.js';
import { createApiApp } from './bootstrap.js';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { summary: string; operationId: string; requestBody?: { content: Record<string, { schema: { $ref: string } }> } }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

describe(createApiApp.name, () => {
  let api: TestApi;
  let temporal: TestWorkflowEnvironment;
  const dashboardDir = mkdtempSync(join(tmpdir(), 'agiqa-dashboard-'));

  beforeAll(async () => {
    const started = await startTestTemporal();
    temporal = started.env;
    api = await startTestApi({ temporal: started.connector, dashboardDir });
  });

  afterAll(async () => {
    await api?.close();
    await temporal?.teardown();
    rmSync(dashboardDir, { recursive: true, force: true });
  });

  describe('GET /api/health', () => {
    it('reports the database and Temporal reachable, with versions', async () => {
      const response = await api.request('GET', '/api/health');
      expect(response.status).toBe(200);
      const health = HealthSchema.parse(response.body);
      expect(health).toMatchObject({ status: 'ok', database: { ok: true, kind: 'pglite' }, temporal: { ok: true } });
      expect(health.versions).toMatchObject({ api: '0.0.0-test', node: process.versions.node });
      expect(health.auth.tokensRequiredForWrites).toBe(false);
    });

    it('reports Temporal down as degraded, still 200', async () => {
      const degraded = await startTestApi({ db: api.db });
      try {
        const health = HealthSchema.parse((await degraded.request('GET', '/api/health')).body);
        expect(health.status).toBe('degraded');
        expect(health.temporal.ok).toBe(false);
        expect(health.temporal.error).toContain('not reachable');
        expect(health.database.ok).toBe(true);
      } finally {
        await degraded.close();
      }
    });
  });

  describe('GET /api/openapi.json', () => {
    it('documents every route with schemas generated from zod', async () => {
      const document = (await api.request<OpenApiDocument>('GET', '/api/openapi.json')).body;
      expect(document.openapi).toBe('3.1.0');
      const routes = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      expect(routes).toEqual(
        expect.arrayContaining([
          'GET /api/health',
          'POST /api/datasets',
          'POST /api/datasets/inspect',
          'GET /api/datasets/{idOrName}',
          'POST /api/sweeps',
          'GET /api/sweeps/{id}',
          'POST /api/sweeps/{id}/cancel',
          'POST /api/sweeps/{id}/rerun-failed',
          'GET /api/runs/compare',
          'GET /api/runs/{id}/predictions',
          'GET /api/tables/1',
          'GET /api/tables/timing',
          'POST /api/schedules/{id}/trigger',
          'DELETE /api/schedules/{id}',
          'POST /api/tokens',
          'DELETE /api/tokens/{id}',
          'GET /api/openapi.json',
        ]),
      );
      for (const [path, ops] of Object.entries(document.paths)) {
        for (const [method, op] of Object.entries(ops)) expect(op.summary, `${method} ${path} has no @Doc`).not.toBe(op.operationId);
      }
      expect(document.paths['/api/sweeps'].post.requestBody?.content['application/json'].schema.$ref).toBe('#/components/schemas/CreateSweepDto');
      expect(Object.keys(document.components.schemas.CreateSweepDto.properties ?? {})).toContain('encoders');
      expect(document.components.schemas.Table1).toBeDefined();
    });
  });

  describe('errors', () => {
    it('answers an unknown API route with a JSON 404', async () => {
      const response = await api.request('GET', '/api/nope');
      expect(response.status).toBe(404);
      expect(ErrorBodySchema.parse(response.body).error.code).toBe('not_found');
    });

    it('answers a body over the size limit with a 400', async () => {
      const response = await api.request('POST', '/api/sweeps', { raw: JSON.stringify({ name: 'x'.repeat(2_000_000) }) });
      expect(response.status).toBe(400);
      expect(ErrorBodySchema.parse(response.body).error.code).toBe('invalid_input');
    });
  });

  describe('dashboard', () => {
    it('explains how to build the dashboard while it is not built', async () => {
      const response = await api.request('GET', '/');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.text).toContain('npx nx run @agiqa/dashboard:build');
    });

    it('serves the built files, index.html for client routes, and leaves /api alone', async () => {
      writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>agiqa dashboard</title>');
      mkdirSync(join(dashboardDir, 'assets'), { recursive: true });
      writeFileSync(join(dashboardDir, 'assets', 'app.js'), 'console.log("agiqa")');
      expect((await api.request('GET', '/')).text).toContain('agiqa dashboard');
      expect((await api.request('GET', '/sweeps/123')).text).toContain('agiqa dashboard');
      const script = await api.request('GET', '/assets/app.js');
      expect(script.headers.get('content-type')).toContain('javascript');
      expect((await api.request('GET', '/assets/missing.js')).status).toBe(404);
      expect((await api.request('GET', '/api/sweeps')).headers.get('content-type')).toContain('application/json');
    });
  });
});
