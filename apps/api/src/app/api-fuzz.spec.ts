import { CreatedApiTokenSchema, ErrorBodySchema } from '@agiqa/contracts';
import { synthesizeDataset } from '@agiqa/data';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataset, seedSweep } from '../testing/seed.js';
import { startTestApi, startTestTemporal, type TestApi } from '../testing/test-api.js';

/*
 * Property: whatever a client sends, the API answers with a success or a 4xx in the error
 * format, never a 5xx. Every operation of the served OpenAPI document is called with arbitrary
 * path parameters (ids that exist, any string, percent-encoded bytes that are not UTF-8), query
 * parameters (any string or integer, unknown names) and bodies: valid examples with one value
 * replaced by anything (strings with lone surrogates and NUL, integers of any size, nesting), and
 * arbitrary JSON. The dependencies are up (a real Temporal dev server, PGlite), so a 5xx can only
 * come from the input.
 */

/** Requests per operation: more where a body can carry anything (`AGIQA_FUZZ_RUNS` scales both). */
const RUNS = Number(process.env.AGIQA_FUZZ_RUNS ?? 1);
const RUNS_WITH_BODY = Math.round(150 * RUNS);
const RUNS_WITHOUT_BODY = Math.round(30 * RUNS);

/** Any UTF-16 code unit, lone surrogates and NUL included, plus whole astral code points. */
const weirdChar = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\ufffe', '%', '/', '..', '\\', '"', "'", '\n'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
/** Any string, and often a plain one with a lone surrogate or a NUL inside (what got through before). */
const weirdString = fc.oneof(
  fc.string({ unit: weirdChar, maxLength: 40 }),
  fc
    .tuple(fc.string({ maxLength: 6 }), fc.constantFrom('\ud800', '\udfff', '\udc00\ud800', '\u0000', '\ufffd'), fc.string({ maxLength: 6 }))
    .map(([before, odd, after]) => `${before}${odd}${after}`),
);
const anyInteger = fc.oneof(
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(Number),
  fc.constantFrom(2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308, -1e308, 0, -1),
);
const anyNumber = fc.oneof(anyInteger, fc.double({ noNaN: true, noDefaultInfinity: true }));
/** Any JSON value, nested, with weird strings and numbers of any size. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    weirdString,
    anyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(weirdString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A query-string or path value: text, an integer, or raw bytes percent-encoded (maybe not UTF-8). */
const anyParam = fc.oneof(
  weirdString.map((s) => encodeUtf16(s)),
  anyInteger.map((n) => String(n)),
  fc.uint8Array({ maxLength: 12 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
);

/**
 * Percent-encodes a JavaScript string for a URL. A lone surrogate has no UTF-8 form
 * (`encodeURIComponent` would throw), so it goes as its CESU-8 bytes (`%ED%A0%80` for U+D800):
 * not valid UTF-8, as a careless client would send it.
 */
function encodeUtf16(s: string): string {
  let out = '';
  for (const unit of s) {
    const code = unit.charCodeAt(0);
    if (unit.length === 1 && code >= 0xd800 && code <= 0xdfff) out += `%ED%${(0xa0 | ((code >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 | (code & 0x3f)).toString(16).toUpperCase()}`;
    else out += encodeURIComponent(unit);
  }
  return out;
}

/** A replacement for `value`: most often of its own type (so the rest still validates), else anything. */
function replacementFor(value: unknown): fc.Arbitrary<unknown> {
  if (typeof value === 'string') return fc.oneof({ arbitrary: weirdString, weight: 3 }, { arbitrary: anyJson, weight: 1 });
  if (typeof value === 'number') return fc.oneof({ arbitrary: anyInteger, weight: 3 }, { arbitrary: anyNumber, weight: 1 }, { arbitrary: anyJson, weight: 1 });
  return anyJson;
}

/** `example` with the value at one path replaced, or one key added: a mutation of a valid body. */
function mutate(example: unknown): fc.Arbitrary<unknown> {
  const paths = leafPaths(example);
  return fc.oneof(
    fc
      .constantFrom(...paths)
      .chain((path) => replacementFor(valueAt(example, path)).map((replacement) => replaceAt(example, path, replacement))),
    fc.tuple(weirdString, anyJson).map(([key, value]) => (isObject(example) ? { ...example, [key]: value } : example)),
  );
}

function valueAt(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string | number, unknown> | undefined)?.[key], value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every path to a value inside `value` (objects and arrays), the root included. */
function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => leafPaths(v, [...prefix, i]))];
  if (isObject(value)) return [...here, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]))];
  return here;
}

function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaceAt(v, rest, replacement) : v));
  if (isObject(value)) return { ...value, [head]: replaceAt(value[head as string], rest, replacement) };
  return value;
}

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  hasBody: boolean;
}

function operationsOf(document: { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown }>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      pathParams: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      queryParams: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      hasBody: operation.requestBody !== undefined,
    })),
  );
}

describe('the API under arbitrary input', () => {
  let temporal: TestWorkflowEnvironment;
  let api: TestApi;
  let home: string;
  let token: string;
  let operations: Operation[];
  /** Ids that exist, so that arbitrary input also reaches the code behind a found row. */
  const ids: string[] = [];
  /** Valid bodies by "METHOD path" (fresh names, so that a conflict hides nothing); mutated one value at a time. */
  let examples: Record<string, fc.Arbitrary<unknown>>;

  beforeAll(async () => {
    const started = await startTestTemporal();
    temporal = started.env;
    api = await startTestApi({ temporal: started.connector });
    home = await mkdtemp(join(tmpdir(), 'agiqa-fuzz-'));
    await synthesizeDataset({ outDir: join(home, 'synth'), images: 50, seed: 3 });
    await seedDataset(api.db.prisma, 'synth');
    const { sweep, runs } = await seedSweep(api.db.prisma, { encoders: ['tiny-bert'], fusions: ['concat'], datasets: ['synth'], seeds: [0], epochs: 2 });
    ids.push(sweep.id, runs[0].id);
    // With a token, writes are authorised and reach their handlers; its id is never fuzzed (a
    // DELETE would revoke it).
    token = CreatedApiTokenSchema.parse((await api.request('POST', '/api/tokens', { body: { name: 'fuzz' } })).body).token;
    // Every optional field present, so that mutations reach it too.
    const grid = (n: number) => ({
      name: `grid ${n}`,
      encoders: ['tiny-bert'],
      fusions: ['concat'],
      datasets: ['synth'],
      imageEncoder: 'tiny-clip',
      seeds: [n % 1000],
      epochs: 1,
      batchSize: 8,
      learningRate: 0.001,
      label: 'quality',
      reportRule: 'last',
      split: { unit: 'prompt', train: 0.5, val: 0.1, seed: n % 100, repeats: 1 },
      head: { hiddenUnits: 4, attentionHeads: 2 },
      modelOverrides: { 'tiny-bert': 'some/model' },
      maxParallel: 2,
      timing: { batchSizes: [1], warmup: 0, repeats: 1, items: 2 },
      methods: ['fusion-head', 'clip-iqa'],
      clipIqa: { prompts: ['Good photo.', 'Bad photo.'], logitScale: 100 },
    });
    const root = join(home, 'synth');
    examples = {
      'POST /api/sweeps': fc.nat().map(grid),
      'POST /api/schedules': fc.nat().map((n) => ({ name: `nightly ${n}`, grid: grid(n), intervalSeconds: 3600, overlap: 'skip', paused: true })),
      'POST /api/datasets': fc.nat().map((n) => ({ name: `synth-${n}`, format: 'agiqa3k', root, checkImages: false })),
      'POST /api/datasets/inspect': fc.nat().map((n) => ({ name: `synth-${n}`, format: 'agiqa3k', root, checkImages: true })),
      'POST /api/tokens': fc.nat().map((n) => ({ name: `another ${n}` })),
    };
    operations = operationsOf((await api.request('GET', '/api/openapi.json')).body as never);
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    await temporal?.teardown();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('covers every operation of the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(15);
    for (const key of Object.keys(examples)) expect(operations.map((o) => `${o.method} ${o.path}`)).toContain(key);
  });

  it('never answers 5xx, and answers errors in the error format', async () => {
    for (const operation of operations) {
      const key = `${operation.method} ${operation.path}`;
      const pathValue = fc.oneof(fc.constantFrom(...ids), anyParam);
      const query = fc.dictionary(fc.oneof(fc.constantFrom(...operation.queryParams, 'limit', 'offset'), weirdString.map(encodeUtf16)), anyParam, { maxKeys: 4 });
      const example = examples[key];
      const body = operation.hasBody ? fc.oneof(example === undefined ? anyJson : example.chain(mutate), anyJson) : fc.constant(undefined);
      await fc.assert(
        fc.asyncProperty(fc.array(pathValue, { minLength: operation.pathParams.length, maxLength: operation.pathParams.length }), query, body, async (values, params, payload) => {
          let path = operation.path;
          operation.pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, values[i])));
          const search = Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&');
          const url = `${path}${search ? `?${search}` : ''}`;
          const response = await api.request(operation.method, url, { token, ...(payload !== undefined ? { raw: JSON.stringify(payload) } : {}) });
          const context = `${operation.method} ${url} ${payload === undefined ? '' : JSON.stringify(payload).slice(0, 300)} → ${response.status} ${response.text.slice(0, 300)}`;
          expect(response.status, context).toBeLessThan(500);
          if (response.status >= 400) expect(ErrorBodySchema.safeParse(response.body).success, context).toBe(true);
        }),
        { numRuns: operation.hasBody ? RUNS_WITH_BODY : RUNS_WITHOUT_BODY, endOnFailure: true },
      );
    }
  }, 600_000);

  it('registers a dataset exactly when its validation says ok (inspect and import agree)', async () => {
    const text = fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 12 }), weight: 4 }, { arbitrary: weirdString, weight: 2 }, { arbitrary: fc.string({ minLength: 1990, maxLength: 2100 }), weight: 1 });
    const manifestItem = fc.record(
      {
        image: text,
        key: text,
        prompt: text,
        generator: text,
        mos: fc.dictionary(fc.constantFrom('quality', 'align'), anyNumber, { minKeys: 1, maxKeys: 2 }),
      },
      { requiredKeys: ['image', 'prompt', 'mos'] },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(manifestItem, { minLength: 1, maxLength: 4 }), async (items) => {
        const root = join(home, `manifest-${n}`);
        const name = `fuzzed-${n++}`;
        await mkdir(root, { recursive: true });
        await writeFile(join(root, 'manifest.json'), JSON.stringify({ version: 1, items }));
        const body = { name, format: 'manifest', root, checkImages: false };
        const inspected = await api.request('POST', '/api/datasets/inspect', { token, body });
        const registered = await api.request('POST', '/api/datasets', { token, body });
        const context = `${JSON.stringify(items).slice(0, 400)} → inspect ${inspected.text.slice(0, 300)} → register ${registered.status} ${registered.text.slice(0, 300)}`;
        expect(inspected.status, context).toBe(200);
        expect(registered.status, context).toBe((inspected.body as { ok: boolean }).ok ? 201 : 400);
      }),
      { numRuns: Math.round(100 * RUNS), endOnFailure: true },
    );
  }, 600_000);
});
