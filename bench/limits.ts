/**
 * Limits under load, on the embedded stack as `agiqa up` runs it (Temporal dev server, PGlite
 * gateway, one worker, the API; built apps): while one cell trains,
 *   1. a 100,000-cell grid is refused (how fast, over `--refusals` requests);
 *   2. a 5,000-cell sweep is created (how long; its rows are written in batches), then cancelled;
 * and throughout, `/api/health` is probed every 25 ms: its latency before (the reference, same
 * run), during the refusals and during the 5,000-cell creation. At the end, the training cell
 * must have completed in its first attempt (no activity retried): creating the sweep did not cost
 * it an attempt.
 *
 *   npm run build && npx tsx --conditions @agiqa/source bench/limits.ts [--cells 5000] [--refusals 50]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { workflowIds, type SweepDetail } from '@agiqa/contracts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'apps/cli/bin/agiqa.js');

const { values: args } = parseArgs({ options: { cells: { type: 'string', default: '5000' }, refusals: { type: 'string', default: '50' } } });
const CELLS = Number(args.cells);
const REFUSALS = Number(args.refusals);
if (!Number.isInteger(CELLS) || CELLS < 100 || CELLS > 5000) throw new Error(`--cells must be 100 … 5000 (the default limit), got ${args.cells}`);

const home = mkdtempSync(path.join(tmpdir(), 'agiqa-bench-limits-'));
const env = { ...process.env, AGIQA_HOME: home, AGIQA_API_URL: '', AGIQA_TFJS_BACKEND: 'wasm' };
const cli = async (cliArgs: string[]) => (await run(process.execPath, [CLI, ...cliArgs], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024, timeout: 900_000 })).stdout;

/**
 * Health latencies (ms), tagged by the phase they were measured in, with the database's and
 * Temporal's share as the API measured them (null when the answer was not a health body).
 */
const probes: { phase: string; ms: number; status: number; databaseMs: number | null; temporalMs: number | null }[] = [];
let phase = 'idle stack, a cell training (reference)';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  console.error(`AGIQA_HOME ${home}`);
  const state = JSON.parse(await cli(['up', '--ephemeral-ports', '--json'])) as { apiUrl: string; temporal: { address: string } };
  const api = state.apiUrl;
  const call = async (method: string, route: string, body?: unknown) => {
    const started = performance.now();
    const response = await fetch(`${api}${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, ms: performance.now() - started, json: (text ? JSON.parse(text) : null) as unknown };
  };

  await cli(['data', 'synth', '--out', path.join(home, 'synth'), '--images', '100', '--seed', '1']);
  await cli(['data', 'import', '--name', 'synth', '--format', 'agiqa3k', '--root', path.join(home, 'synth')]);
  const base = { encoders: ['tiny-bert'], fusions: ['concat'], datasets: ['synth'], imageEncoder: 'tiny-clip', batchSize: 16, learningRate: 1e-3, head: { hiddenUnits: 16 } };

  // The cell that trains throughout (long enough to span both phases).
  const training = (await call('POST', '/api/sweeps', { ...base, name: 'training', seeds: [0], epochs: 3000 })).json as SweepDetail;
  const runs = (await call('GET', `/api/sweeps/${training.id}/runs`)).json as { items: { id: string; epochsDone: number }[] };
  const trainingRun = runs.items[0].id;
  for (;;) {
    const detail = (await call('GET', `/api/sweeps/${training.id}`)).json as SweepDetail;
    if (detail.progress.epochsDone >= 5) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  const connection = await Connection.connect({ address: state.temporal.address });
  const client = new Client({ connection });
  /** The training activity's current attempt and its last failure (why an attempt was lost), at the end of each phase. */
  const attempts: { phase: string; attempt: number | null; lastFailure: string | null }[] = [];
  const noteAttempt = async () => {
    const description = await client.workflow.getHandle(workflowIds.run(trainingRun, 1)).describe();
    const pending = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'trainRun');
    attempts.push({ phase, attempt: pending?.attempt ?? null, lastFailure: pending?.lastFailure?.message ?? null });
  };

  let probing = true;
  const prober = (async () => {
    while (probing) {
      const { status, ms, json } = await call('GET', '/api/health');
      const health = json as { database?: { latencyMs?: number }; temporal?: { latencyMs?: number } } | null;
      probes.push({ phase, ms, status, databaseMs: health?.database?.latencyMs ?? null, temporalMs: health?.temporal?.latencyMs ?? null });
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  await new Promise((r) => setTimeout(r, 5_000));

  await noteAttempt();
  // 3 encoders × 3 fusions × 100 split repeats × 112 seeds = 100,800 cells.
  phase = '100,000-cell grids refused';
  const huge = { ...base, encoders: ['tiny-bert', 'tiny-distilbert', 'tiny-roberta'], fusions: ['concat', 'cosine', 'cross_attention'], split: { repeats: 100 }, seeds: Array.from({ length: 112 }, (_, i) => i) };
  const refusals: number[] = [];
  for (let i = 0; i < REFUSALS; i++) {
    const refused = await call('POST', '/api/sweeps', huge);
    if (refused.status !== 400) throw new Error(`a 100,800-cell grid got ${refused.status}, not 400`);
    refusals.push(refused.ms);
  }

  await noteAttempt();
  phase = `${CELLS.toLocaleString('en')}-cell sweep being created`;
  const seeds = Array.from({ length: CELLS / 2 }, (_, i) => i);
  const created = await call('POST', '/api/sweeps', { ...base, name: 'large', fusions: ['concat', 'cosine'], seeds, epochs: 1, maxParallel: 1 });
  if (created.status !== 201) throw new Error(`the ${CELLS}-cell sweep got ${created.status}: ${JSON.stringify(created.json)}`);
  const large = created.json as SweepDetail;
  await noteAttempt();
  phase = 'after';
  await call('POST', `/api/sweeps/${large.id}/cancel`);
  await new Promise((r) => setTimeout(r, 5_000));
  probing = false;
  await prober;
  await noteAttempt();
  await call('POST', `/api/sweeps/${training.id}/cancel`);

  // The training cell's attempts: its RunAttempt rows and the retries of its training activity.
  const history = await client.workflow.getHandle(workflowIds.run(trainingRun, 1)).fetchHistory();
  const description = await client.workflow.getHandle(workflowIds.run(trainingRun, 1)).describe();
  const pendingAttempt = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'trainRun')?.attempt ?? null;
  // Started events name their activity only through the scheduled event they answer.
  const events = history.events ?? [];
  const trainRunScheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainRun').map((e) => String(e.eventId)));
  const startedAttempts = events.flatMap((e) => {
    const started = e.activityTaskStartedEventAttributes;
    return started?.attempt && trainRunScheduled.has(String(started.scheduledEventId)) ? [started.attempt] : [];
  });
  await connection.close();

  const phases = [...new Set(probes.map((p) => p.phase))];
  console.log(`\n## Limits under load (bench/limits.ts), ${new Date().toISOString().slice(0, 10)}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end\n`);
  console.log('| /api/health during | probes | median ms | p90 ms | p99 ms | max ms | over 100 ms | non-200 |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const p of phases) {
    const ms = probes.filter((x) => x.phase === p).map((x) => x.ms).sort((a, b) => a - b);
    const bad = probes.filter((x) => x.phase === p && x.status !== 200).length;
    console.log(`| ${p} | ${ms.length} | ${quantile(ms, 0.5).toFixed(1)} | ${quantile(ms, 0.9).toFixed(1)} | ${quantile(ms, 0.99).toFixed(1)} | ${(ms.at(-1) ?? NaN).toFixed(1)} | ${ms.filter((m) => m > 100).length} | ${bad} |`);
  }
  // Where the slowest probes spent their time: the two checks run at once, so the rest (the API's
  // event loop, HTTP, this process) is the total less the slower of the two.
  console.log('\n| slowest probes: phase | total ms | database ms | Temporal ms | rest ms |');
  console.log('|---|---|---|---|---|');
  for (const p of [...probes].sort((a, b) => b.ms - a.ms).slice(0, 5)) {
    const checks = Math.max(p.databaseMs ?? 0, p.temporalMs ?? 0);
    console.log(`| ${p.phase} | ${p.ms.toFixed(1)} | ${p.databaseMs?.toFixed(1) ?? '—'} | ${p.temporalMs?.toFixed(1) ?? '—'} | ${(p.ms - checks).toFixed(1)} |`);
  }
  const sortedRefusals = [...refusals].sort((a, b) => a - b);
  console.log(`\n| request | n | median ms | p90 ms | max ms |`);
  console.log('|---|---|---|---|---|');
  console.log(`| POST /api/sweeps, 100,800-cell grid → 400 | ${refusals.length} | ${quantile(sortedRefusals, 0.5).toFixed(1)} | ${quantile(sortedRefusals, 0.9).toFixed(1)} | ${(sortedRefusals.at(-1) ?? NaN).toFixed(1)} |`);
  console.log(`| POST /api/sweeps, ${CELLS.toLocaleString('en')}-cell grid → 201 | 1 | ${created.ms.toFixed(0)} | | |`);
  console.log('\n| training activity at the end of | attempt | last failure |');
  console.log('|---|---|---|');
  for (const a of attempts) console.log(`| ${a.phase} | ${a.attempt ?? '—'} | ${a.lastFailure ?? ''} |`);
  console.log(`\ntraining cell ${trainingRun}: trainRun attempts seen ${JSON.stringify([...new Set([...startedAttempts, ...(pendingAttempt ? [pendingAttempt] : [])])])} (1 = never retried)`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cli(['down']).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });
