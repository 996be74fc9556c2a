import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, apiErrorFrom } from './client.js';
import { storageTokenStore, TOKEN_KEY } from './token.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A real HTTP server on a free port that records each request and answers what the test set. */
let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let answer: { status: number; body: string; type?: string } = { status: 200, body: '{}' };

async function read(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      body: await read(request),
    });
    response.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    map,
  };
}

function client(token: string | null = null) {
  const tokens = storageTokenStore(memoryStorage());
  tokens.set(token);
  return new ApiClient({ baseUrl, tokens });
}

describe(ApiClient.name, () => {
  it('sends JSON bodies with a Bearer token when one is set', async () => {
    seen = [];
    answer = { status: 201, body: JSON.stringify({ id: 's1' }) };
    const result = await client('secret-token').createSweep({ encoders: ['bert-base'], fusions: ['concat'], datasets: ['d'], seeds: [0] });
    expect(result).toEqual({ id: 's1' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/sweeps', authorization: 'Bearer secret-token', contentType: 'application/json' });
    expect(JSON.parse(seen[0].body)).toMatchObject({ encoders: ['bert-base'] });
  });

  it('sends no Authorization header and no body type without a token or body', async () => {
    seen = [];
    answer = { status: 200, body: JSON.stringify({ id: 's1' }) };
    await client().cancelSweep('a/b');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/sweeps/a%2Fb/cancel', authorization: undefined, contentType: undefined, body: '' });
  });

  it('builds query strings without empty parameters', async () => {
    seen = [];
    answer = { status: 200, body: '{}' };
    await client().table1({ dataset: null });
    await client().table1({ dataset: 'agiqa 3k', setting: 'set_0123456789ab', plcc: null });
    await client().compareRuns(['r1', 'r2']);
    expect(seen.map((s) => s.url)).toEqual(['/api/tables/1', '/api/tables/1?dataset=agiqa+3k&setting=set_0123456789ab', '/api/runs/compare?ids=r1%2Cr2']);
  });

  it('fetches an exported table as text, and still reads an error as the API error', async () => {
    seen = [];
    answer = { status: 200, body: '\\begin{table}', type: 'application/x-latex' };
    expect(await client().exportTable('2', { sweep: 's1' }, 'latex')).toBe('\\begin{table}');
    expect(seen[0].url).toBe('/api/tables/2?sweep=s1&format=latex');
    answer = { status: 400, body: JSON.stringify({ error: { code: 'invalid_input', message: 'unknown sweep "s1"', details: [{ path: 'sweep', message: 'no sweep' }] } }) };
    await expect(client().exportTable('2', { sweep: 's1' }, 'csv')).rejects.toMatchObject({ code: 'invalid_input', details: [{ path: 'sweep' }] });
  });

  it('rejects with the API error code, message and field details', async () => {
    answer = {
      status: 400,
      body: JSON.stringify({ error: { code: 'invalid_input', message: 'invalid request body', details: [{ path: 'encoders', message: 'must list at least one value' }] } }),
    };
    const error = await client().createSweep({} as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_input', details: [{ path: 'encoders', message: 'must list at least one value' }] });
  });

  it('explains a non-JSON error page by its status', async () => {
    answer = { status: 502, body: '<html>Bad gateway</html>', type: 'text/html' };
    const error = await client().listSweeps().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: 'internal' });
    expect((error as Error).message).toContain('HTTP 502');
  });

  it('reports an unreachable API as unavailable with status 0', async () => {
    const tokens = storageTokenStore(null);
    const offline = new ApiClient({ baseUrl: 'http://127.0.0.1:9/api', tokens });
    const error = await offline.health().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: 'unavailable' });
  });
});

describe(apiErrorFrom.name, () => {
  it('drops malformed details and unknown codes', () => {
    const error = apiErrorFrom(409, 'Conflict', { error: { code: 'weird', message: 'taken', details: [{ path: 'name', message: 'taken' }, { oops: 1 }] } });
    expect(error.code).toBe('conflict');
    expect(error.details).toEqual([{ path: 'name', message: 'taken' }]);
  });
});

describe(storageTokenStore.name, () => {
  it('stores a trimmed token and removes it when cleared', () => {
    const storage = memoryStorage();
    const store = storageTokenStore(storage);
    store.set('  abc  ');
    expect(storage.map.get(TOKEN_KEY)).toBe('abc');
    store.set('');
    expect(storage.map.has(TOKEN_KEY)).toBe(false);
    expect(store.get()).toBeNull();
  });

  it('keeps the token in memory when storage throws', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => undefined,
    };
    const store = storageTokenStore(broken);
    store.set('abc');
    expect(store.get()).toBe('abc');
  });
});
