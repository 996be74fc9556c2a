/**
 * Test harness: the real API on an ephemeral port, over a real in-memory PGlite database
 * (`createTestDb`) and a real Temporal dev server (or an address where nothing listens).
 * Spec-only: excluded from the build.
 */
import 'reflect-metadata';
import { EnvSchema, type AgiqaEnv } from '@agiqa/contracts';
import type { Db } from '@agiqa/db';
import { createTestDb } from '@agiqa/db/testing';
import { connectTemporal } from '@agiqa/orchestration';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiApp } from '../app/bootstrap.js';
import type { TemporalConnector } from '../app/temporal/temporal.service.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface TestResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (e.g. malformed JSON); wins over `body`. */
  raw?: string;
  contentType?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  token?: string;
  /** Send the request to another of this machine's addresses instead of 127.0.0.1. */
  host?: string;
}

export interface TestApi {
  app: NestExpressApplication;
  url: string;
  port: number;
  db: Db;
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<TestResponse<T>>;
  close(): Promise<void>;
}

export interface StartTestApiOptions {
  /** Default: an address where nothing listens (Temporal unreachable). */
  temporal?: TemporalConnector;
  env?: Record<string, string>;
  /** Default: a fresh empty folder (the dashboard is "not built"). */
  dashboardDir?: string;
  /** Listen on all interfaces, so that requests can come from a non-loopback address. */
  listenOnAllInterfaces?: boolean;
  /** Reuse a database (and leave closing it to the caller). */
  db?: Db;
  /** Live streams' database read interval (ms); default the app's 1000. */
  liveIntervalMs?: number;
}

export async function startTestApi(options: StartTestApiOptions = {}): Promise<TestApi> {
  const ownsDb = options.db === undefined;
  const db = options.db ?? (await createTestDb());
  const env: AgiqaEnv = EnvSchema.parse({ AGIQA_HOME: mkdtempSync(join(tmpdir(), 'agiqa-api-test-')), ...options.env });
  const temporal = options.temporal ?? (await unreachableTemporal());
  const dbForApp: Db = ownsDb ? db : { ...db, close: async () => undefined };
  const app = await createApiApp(
    {
      env,
      db: dbForApp,
      temporal,
      info: { version: '0.0.0-test', dashboardDir: options.dashboardDir ?? mkdtempSync(join(tmpdir(), 'agiqa-dashboard-')) },
      ...(options.liveIntervalMs ? { liveIntervalMs: options.liveIntervalMs } : {}),
    },
    process.env.AGIQA_TEST_API_LOG ? {} : { logger: false },
  );
  await app.listen(0, options.listenOnAllInterfaces ? '0.0.0.0' : '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    port,
    db,
    async request<T>(method: string, path: string, request: RequestOptions = {}): Promise<TestResponse<T>> {
      const headers: Record<string, string> = { accept: 'application/json' };
      let body: string | undefined;
      if (request.raw !== undefined) body = request.raw;
      else if (request.body !== undefined) body = JSON.stringify(request.body);
      if (body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
      if (request.token) headers.authorization = `Bearer ${request.token}`;
      Object.assign(headers, request.headers);
      const base = request.host ? `http://${request.host}:${port}` : url;
      const response = await fetch(`${base}${path}`, { method, headers, body });
      // An event stream ends only with its sweep or run: its status and headers are the answer here
      // (read the events with a stream client, as live.spec does); the body is cancelled.
      if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
        await response.body?.cancel();
        return { status: response.status, body: undefined as T, text: '', headers: response.headers };
      }
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (the dashboard's HTML): keep the text.
      }
      return { status: response.status, body: parsed as T, text, headers: response.headers };
    },
    close: () => app.close(),
  };
}

/** A connector to an address where nothing listens: every Temporal call is `unavailable`. */
export async function unreachableTemporal(): Promise<TemporalConnector> {
  const port = await freePort();
  const env = { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_NAMESPACE: 'default', AGIQA_CPU_QUEUE: 'agiqa-cpu' };
  return { address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, connect: () => connectTemporal(env, { connectTimeoutMs: 1_000 }) };
}

/** A real Temporal dev server (the CLI from infra/ensure-temporal.sh) and a connector to it. */
export async function startTestTemporal(): Promise<{ env: TestWorkflowEnvironment; connector: TemporalConnector }> {
  const path = execFileSync('bash', [join(repoRoot, 'infra/ensure-temporal.sh')], { encoding: 'utf8' }).trim();
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path } } });
  return {
    env,
    connector: {
      address: env.connection.options.address,
      namespace: env.namespace ?? 'default',
      // The test environment owns the connection; the API must not close it.
      connect: async () => ({ client: env.client, close: async () => undefined }),
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
