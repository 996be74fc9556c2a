/**
 * schemathesis (PyPI, pinned in tools/requirements.txt) against whatever `/api/openapi.json` the
 * built API serves: for a bounded time it generates requests from the document's schemas (and
 * values that break them) and checks that no answer is a 5xx and every answer conforms to the
 * document (status codes, content types, response schemas). The API runs as a process over a
 * PGlite database holding a finished sweep, with a real Temporal dev server.
 */
import { createDb } from '@agiqa/db';
import { startTestTemporal } from '@agiqa/orchestration/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_DATASET, seedFinishedSweep, type SeededSweep } from './dashboard-seed.js';
import { REPO_ROOT, requireBuilt, startApiProcess, type ApiProcess } from './dashboard-stack.js';

const SCHEMATHESIS = join(REPO_ROOT, 'tools/.venv/bin/schemathesis');
/** The time budget of the run (schemathesis `--max-time`), seconds. */
const MAX_TIME_S = Number(process.env['AGIQA_SCHEMATHESIS_SECONDS'] ?? 90);
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance'];

/** Whether the venv has schemathesis; `AGIQA_REQUIRE_PYTHON=1` (CI) makes its absence an error. */
function schemathesisAvailable(): { ok: boolean; reason: string } {
  if (existsSync(SCHEMATHESIS)) return { ok: true, reason: '' };
  const reason = `no ${SCHEMATHESIS}: run bash tools/setup-python.sh`;
  if (process.env['AGIQA_REQUIRE_PYTHON'] === '1') throw new Error(`AGIQA_REQUIRE_PYTHON=1 but ${reason}`);
  return { ok: false, reason };
}

const available = schemathesisAvailable();

describe.skipIf(!available.ok)(`schemathesis over /api/openapi.json${available.ok ? '' : ` (skipped: ${available.reason})`}`, () => {
  let work: string;
  let temporal: TestWorkflowEnvironment | undefined;
  let api: ApiProcess | undefined;
  let seeded: SeededSweep;

  beforeAll(async () => {
    requireBuilt();
    work = mkdtempSync(join(tmpdir(), 'agiqa-e2e-schemathesis-'));
    const home = join(work, 'home');
    const databaseUrl = `pglite:${join(work, 'pglite')}`;
    const db = await createDb({ url: databaseUrl, home, migrate: true });
    try {
      seeded = await seedFinishedSweep(db);
    } finally {
      await db.close();
    }
    temporal = await startTestTemporal();
    api = await startApiProcess({ DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, AGIQA_HOME: home });
  });

  afterAll(async () => {
    await api?.stop();
    await temporal?.teardown();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /**
   * schemathesis.toml: a bearer token (so that writes reach their handlers; the first token it
   * created itself would lock it out), and ids that exist, mixed into the generated path values.
   */
  async function writeConfig(url: string): Promise<string> {
    const createToken = async (name: string, bearer?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) };
      const response = await fetch(`${url}/api/tokens`, { method: 'POST', headers, body: JSON.stringify({ name }) });
      if (response.status !== 201) throw new Error(`creating token ${name}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string; token: string };
    };
    const auth = await createToken('schemathesis');
    // Once a token exists, creating another needs one.
    const other = await createToken('to revoke', auth.token);
    const ids = (values: string[]) => `{ values = ${JSON.stringify(values)} }`;
    const path = (regex: string, dictionary: string) => `[[operations]]\ninclude-path-regex = '${regex}'\nparameters = { "path.id" = { dictionary = "${dictionary}", probability = 0.7 }, "path.idOrName" = { dictionary = "${dictionary}", probability = 0.7 } }\n`;
    const config = [
      `headers = { Authorization = "Bearer ${auth.token}" }`,
      '[dictionaries]',
      `sweeps = ${ids([seeded.sweepId])}`,
      `runs = ${ids([seeded.predictedRunId, seeded.failedRunId, ...seeded.runIds.slice(0, 3)])}`,
      `datasets = ${ids([SEED_DATASET])}`,
      `tokens = ${ids([other.id])}`,
      path('^/api/sweeps/', 'sweeps'),
      path('^/api/runs/', 'runs'),
      path('^/api/datasets/', 'datasets'),
      path('^/api/tokens/', 'tokens'),
    ].join('\n');
    const file = join(work, 'schemathesis.toml');
    writeFileSync(file, `${config}\n`);
    return file;
  }

  it(`finds no 5xx and no answer outside the document in ${MAX_TIME_S} s`, async () => {
    if (!api) throw new Error('the API did not start');
    const report = join(work, 'report');
    const args = [
      '--config-file',
      await writeConfig(api.url),
      'run',
      `${api.url}/api/openapi.json`,
      '--checks', CHECKS.join(','),
      '--max-time', String(MAX_TIME_S),
      // One worker: with two threads, hypothesis's lambda descriptions parse source with `ast`
      // concurrently, which CPython 3.11 can fail with "AST constructor recursion depth mismatch"
      // (python/cpython#106905), reported as an error of whichever operation was running.
      '--workers', '1',
      '--request-timeout', '30',
      '--continue-on-failure',
      '--report', 'junit',
      '--report-dir', report,
      '--no-color',
    ];
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(SCHEMATHESIS, args, { cwd: work, timeout: (MAX_TIME_S + 240) * 1000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
        resolve({ code: typeof error?.code === 'number' ? error.code : error ? -1 : 0, output: `${stdout}\n${stderr}` });
      });
    });
    // What went wrong: schemathesis prints its ERRORS and FAILURES sections before the summary.
    const sections = result.output.search(/=+ (ERRORS|FAILURES) =+/);
    const summary = sections >= 0 ? result.output.slice(sections, sections + 20_000) : result.output.split('\n').slice(-60).join('\n');
    expect(result.code, `schemathesis failed:\n${summary}\n--- API log (tail)\n${api.output().slice(-3000)}`).toBe(0);
    console.log(result.output.slice(result.output.lastIndexOf('SUMMARY')));
    // It ran: the summary counts the operations it tested and the cases it generated.
    expect(result.output).toMatch(/Tested: [1-9]\d*/);
    expect(result.output).toMatch(/[1-9]\d* generated/);
  }, (MAX_TIME_S + 300) * 1000);
});
