import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary, SweepDetail, Table1 } from '@agiqa/contracts';
import { createDb } from '@agiqa/db';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '@agiqa/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, requireStackBuilt, runCli } from './cli.js';

/**
 * The foundation issue's integration test: the README's path, through the real `agiqa` command —
 * `up` starts a Temporal dev server, the database, a worker and the API as processes; a dataset
 * is generated and registered; a 2 text encoders × 2 fusions sweep runs to completion on the
 * worker (ONNX tiny encoders; heads trained by the engine `trainer: auto` picks); Table 1 comes back from Postgres; `down` stops it all.
 * Once on the embedded default (PGlite behind the gateway) and once on a real PostgreSQL server
 * (the one `.ci/run` starts, or a throw-away cluster).
 */

interface StackState {
  apiUrl: string;
  dashboardUrl: string;
  database: { url: string; kind: 'pglite-gateway' | 'external' };
  temporal: { address: string };
}

const postgres = postgresAvailable();
const EPOCHS = 4;
const variants = [
  { name: 'the embedded default (PGlite gateway)', postgres: false },
  { name: `a real PostgreSQL server${postgres.ok ? '' : ` (skipped: ${postgres.reason})`}`, postgres: true },
];

describe.each(variants)('a sweep end to end on $name', (variant) => {
  const skip = variant.postgres && !postgres.ok;
  let home: string;
  let env: Record<string, string>;
  let pg: TestPostgres | undefined;
  let state: StackState;

  beforeAll(async () => {
    if (skip) return;
    requireStackBuilt();
    home = await mkdtemp(join(tmpdir(), 'agiqa-e2e-stack-'));
    // The worker takes the first tfjs backend that loads; pin it so the run rows are predictable
    // on machines where the optional native backends install.
    env = { AGIQA_HOME: home, AGIQA_API_URL: '', AGIQA_TFJS_BACKEND: 'wasm' };
    const upArgs = ['up', '--ephemeral-ports', '--json'];
    if (variant.postgres) {
      pg = await startTestPostgres();
      upArgs.push('--database', pg.url);
    }
    state = JSON.parse(await cli(upArgs, env, 300_000)) as StackState;
  }, 360_000);

  afterAll(async () => {
    if (skip) return;
    if (home) await runCli(['down'], env).catch(() => undefined);
    await pg?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it.skipIf(skip)('runs the sweep on the worker, stores it in Postgres, rebuilds Table 1 and stops cleanly', async () => {
    expect(state.database.kind).toBe(variant.postgres ? 'external' : 'pglite-gateway');

    const synth = join(home, 'synth');
    await cli(['data', 'synth', '--out', synth, '--images', '100', '--seed', '3', '--json'], env);
    const registered = JSON.parse(await cli(['data', 'import', '--name', 'synth', '--format', 'agiqa3k', '--root', synth, '--json'], env)) as {
      itemCount: number;
    };
    expect(registered.itemCount).toBe(100);

    const sweep = JSON.parse(
      await cli(
        [
          'sweep', 'start',
          '--encoders', 'tiny-bert,tiny-distilbert',
          '--fusions', 'concat,cross_attention',
          '--datasets', 'synth',
          '--image-encoder', 'tiny-clip',
          '--seeds', '0',
          '--epochs', String(EPOCHS),
          '--lr', '1e-3',
          '--batch-size', '16',
          '--wait', '--json',
        ],
        env,
      ),
    ) as SweepDetail & { runs: RunSummary[] };
    expect(sweep.status).toBe('completed');
    expect(sweep.runs).toHaveLength(4);
    // trainer auto: torch where the worker found the project's Python with torch (CI requires it),
    // else tfjs; every cell of the sweep on the same engine.
    const expectedEngine = process.env['AGIQA_REQUIRE_PYTHON'] === '1' ? 'torch' : sweep.runs[0]?.engine;
    expect(['torch', 'tfjs']).toContain(expectedEngine);
    for (const run of sweep.runs) {
      expect(run.status, run.cellKey).toBe('completed');
      expect(run.epochsDone, run.cellKey).toBe(EPOCHS);
      expect(run.engine, run.cellKey).toBe(expectedEngine);
      expect(run.backend, run.cellKey).toBe(expectedEngine === 'torch' ? 'torch-cpu' : 'wasm');
      expect(run.device, run.cellKey).toBe('cpu');
      expect(Number.isFinite(run.metrics?.srcc), run.cellKey).toBe(true);
    }

    // The rows are in the database the stack was given, not only behind the API.
    const db = await createDb({ url: state.database.url });
    try {
      expect(await db.prisma.run.count({ where: { sweepId: sweep.id, status: 'completed' } })).toBe(4);
      expect(await db.prisma.epochMetric.count({ where: { run: { sweepId: sweep.id } } })).toBe(4 * EPOCHS);
      const tested = await db.prisma.prediction.count({ where: { run: { sweepId: sweep.id } } });
      expect(tested).toBeGreaterThan(0);
    } finally {
      await db.close();
    }

    const table = JSON.parse(await cli(['table', '1', '--dataset', 'synth', '--json'], env)) as Table1;
    expect(table.dataset).toBe('synth');
    expect(table.rows.map((row) => row.textEncoder).sort()).toEqual(['tiny-bert', 'tiny-distilbert']);
    for (const row of table.rows) {
      for (const fusion of ['concat', 'cross_attention'] as const) {
        const cell = row.cells[fusion];
        expect(cell?.n, `${row.textEncoder}/${fusion}`).toBe(1);
        expect(Number.isFinite(cell?.srcc) && Number.isFinite(cell?.plcc), `${row.textEncoder}/${fusion}`).toBe(true);
      }
    }
    expect(await cli(['table', '1', '--dataset', 'synth'], env)).toMatch(/Table 1[\s\S]*tiny-bert[\s\S]*tiny-distilbert/);
    // The sweep's own table, exported for a paper.
    const latex = await cli(['table', '1', '--sweep', sweep.id, '--format', 'latex'], env);
    expect(latex).toMatch(/\\begin\{tabular\}[\s\S]*\\toprule[\s\S]*tiny-bert[\s\S]*\\bottomrule/);

    const page = await fetch(state.dashboardUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');

    const before = JSON.parse(await cli(['status', '--json'], env)) as { processes: Record<string, number | null> };
    const pids = Object.values(before.processes).filter((pid): pid is number => pid !== null);
    expect(pids).toHaveLength(variant.postgres ? 3 : 4);
    expect(await cli(['down'], env)).toContain('stopped: api, worker');
    // Every process the stack started is gone, not just its pid file.
    for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid}`).toThrow();
  }, 600_000);
});
