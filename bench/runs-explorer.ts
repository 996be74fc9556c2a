/// <reference lib="dom" />
/**
 * The workbench at size, on the embedded stack (`agiqa up`: PGlite gateway, Temporal dev server,
 * worker, API) with 10,000 finished runs of 100 epochs each (1,000,000 epoch rows) and a real
 * sweep training on the worker meanwhile:
 *
 *   1. sequential latency (p50 / p95) of what the pages ask: the runs explorer filtered, sorted and
 *      grouped, Table 1, a sweep's live snapshot (SSE; first subscriber and reopened) and the delay of a live update (a run row
 *      changed in the database → its `runs` event at a subscriber), an epochs page and a
 *      predictions page; `GET /api/health` is the floor reference (one request, no query);
 *   2. the same mix from 50 concurrent clients for 60 s: p50 / p95 / p99, requests/s, errors;
 *   3. (with Chromium) the sweep page of a 1,000-run sweep whose runs update live: the longest
 *      main-thread task and the number of tasks over 50 ms (Long Tasks API) over 30 s, then from a
 *      Chromium trace of 10 s more what the longest task spent its time on (layout, paint, script).
 *
 *   npm run build && npx tsx --conditions @agiqa/source bench/runs-explorer.ts [--runs 10000] [--epochs 100] [--clients 50] [--seconds 60] [--no-browser]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createParser } from 'eventsource-parser';
import { createDb, type Db } from '@agiqa/db';
import { seedRuns } from '@agiqa/db/testing';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    epochs: { type: 'string', default: '100' },
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    samples: { type: 'string', default: '100' },
    'no-browser': { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const EPOCHS = Number(args.epochs);
const CLIENTS = Number(args.clients);
const SECONDS = Number(args.seconds);
const SAMPLES = Number(args.samples);
const REQUEST_TIMEOUT_MS = 30_000;
const EVENT_TIMEOUT_MS = 10_000;
/** Runs per seeded sweep: 2 encoders × 2 fusions × 100 seeds. */
const PER_SWEEP = 400;
if (!Number.isInteger(RUNS) || RUNS < PER_SWEEP || RUNS % PER_SWEEP !== 0) throw new Error(`--runs must be a multiple of ${PER_SWEEP}, got ${args.runs}`);

const REPO = path.resolve(new URL('..', import.meta.url).pathname);
const CLI = path.join(REPO, 'apps/cli/bin/agiqa.js');
const home = mkdtempSync(path.join(tmpdir(), 'agiqa-bench-explorer-'));
const env = { ...process.env, AGIQA_HOME: home, AGIQA_API_URL: '', AGIQA_TFJS_BACKEND: 'wasm' };

const agiqa = async (...a: string[]) => (await run(process.execPath, [CLI, ...a], { cwd: REPO, env, maxBuffer: 64 << 20 })).stdout;
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const log = (line: string) => console.error(`· ${line}`);

interface Row {
  what: string;
  n: number;
  p50: number;
  p95: number;
  p99?: number;
  bytes?: number;
}

async function timeGet(url: string): Promise<{ ms: number; bytes: number; status: number }> {
  const start = performance.now();
  // A request that never answers counts as an error instead of stalling its client for good.
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = await response.arrayBuffer();
  return { ms: performance.now() - start, bytes: body.byteLength, status: response.status };
}

async function sequential(what: string, url: string): Promise<Row> {
  for (let i = 0; i < 5; i++) await timeGet(url);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const r = await timeGet(url);
    if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status} from ${url}`);
    times.push(r.ms);
    bytes = r.bytes;
  }
  return { what, n: SAMPLES, p50: quantile(times, 0.5), p95: quantile(times, 0.95), bytes };
}

/** Opens an SSE stream; resolves the time to its first event and hands later events to `on`. */
async function openStream(url: string, on: (type: string, data: unknown) => void): Promise<{ firstMs: number; close(): void }> {
  const controller = new AbortController();
  const start = performance.now();
  const response = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  let firstMs = -1;
  let resolveFirst: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (resolveFirst = resolve));
  const parser = createParser({
    onEvent: (event) => {
      if (firstMs < 0) {
        firstMs = performance.now() - start;
        resolveFirst();
      }
      on(event.event ?? 'message', JSON.parse(event.data));
    },
  });
  void (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: '', done: true }));
      if (done) return;
      parser.feed(value ?? '');
    }
  })();
  await first;
  return { firstMs, close: () => controller.abort() };
}

/** The next `epochsDone` the update-latency probe writes: never a value a run already had. */
let nextProbeEpoch = 1000;

/**
 * Delay from a run row's change in the database to the `runs` event that carries it. A change
 * whose event has not come within EVENT_TIMEOUT_MS is a miss (counted in `missed`, not timed).
 * Each call writes values no earlier call wrote: rewriting a run's `epochsDone` with the value
 * it has is no change, and the page (rightly) gets no event for it.
 */
async function updateLatency(db: Db, apiUrl: string, sweepId: string, runIds: string[], samples: number): Promise<number[] & { missed?: number }> {
  const waiting = new Map<string, { at: number; done: (ms: number) => void }>();
  const stream = await openStream(`${apiUrl}/api/sweeps/${sweepId}/events`, (type, data) => {
    if (type !== 'runs') return;
    for (const r of (data as { runs: { id: string; epochsDone: number }[] }).runs) {
      const w = waiting.get(`${r.id}:${r.epochsDone}`);
      if (w) w.done(performance.now() - w.at);
    }
  });
  const delays: number[] & { missed?: number } = [];
  delays.missed = 0;
  for (let i = 0; i < samples; i++) {
    const id = runIds[i % runIds.length];
    const epochsDone = nextProbeEpoch++;
    const delay = new Promise<number>((resolve) => waiting.set(`${id}:${epochsDone}`, { at: performance.now(), done: resolve }));
    waiting.get(`${id}:${epochsDone}`)!.at = performance.now();
    await db.prisma.run.update({ where: { id }, data: { epochsDone } });
    const ms = await Promise.race([delay, new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), EVENT_TIMEOUT_MS))]);
    if (Number.isNaN(ms)) delays.missed += 1;
    else delays.push(ms);
  }
  stream.close();
  return delays;
}

async function concurrent(urls: string[]): Promise<Row & { perSecond: number; errors: number }> {
  const times: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const url = urls[next++ % urls.length];
        try {
          const r = await timeGet(url);
          if (r.status !== 200) errors += 1;
          times.push(r.ms);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return { what: `mix of the above, ${CLIENTS} clients × ${SECONDS} s`, n: times.length, p50: quantile(times, 0.5), p95: quantile(times, 0.95), p99: quantile(times, 0.99), perSecond: times.length / SECONDS, errors };
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
}

/**
 * What the longest task of a Chromium trace spent its time on: the renderer's top-level tasks
 * (`RunTask`) and, inside the longest, the time of each kind of event nested in it (Layout, Paint,
 * FunctionCall…; nested events of one kind can overlap, so the parts may add up to more).
 */
function longestTaskBreakdown(events: TraceEvent[]): string {
  const tasks = events.filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.dur !== undefined);
  const longest = tasks.reduce<TraceEvent | null>((a, b) => (a && (a.dur ?? 0) >= (b.dur ?? 0) ? a : b), null);
  if (!longest?.dur) return 'no task traced';
  const end = longest.ts + longest.dur;
  const by = new Map<string, number>();
  for (const e of events) {
    if (e === longest || e.ph !== 'X' || e.pid !== longest.pid || e.tid !== longest.tid || e.ts < longest.ts || e.ts + (e.dur ?? 0) > end) continue;
    by.set(e.name, (by.get(e.name) ?? 0) + (e.dur ?? 0));
  }
  const parts = [...by].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([name, us]) => `${name} ${(us / 1000).toFixed(1)}`);
  return `${(longest.dur / 1000).toFixed(1)} ms: ${parts.join(', ')}`;
}

/** The sweep page of a 1,000-run running sweep while its runs move: longest main-thread task, and what it spent its time on. */
async function browserLongTasks(db: Db, apiUrl: string, sweepId: string): Promise<{ longest: number; over50: number; over100: number; updates: number; loadingLongest: number; tracedLongest: string }> {
  const context = await chromium.launchPersistentContext(path.join(home, 'chromium'), {
    executablePath: process.env['AGIQA_CHROMIUM'] ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
    headless: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${apiUrl}/#/sweeps/${sweepId}`);
  // Loaded: the table, and the epoch curves, whose first draw loads and evaluates plotly (a long
  // task of its own on a slow machine; before this wait it sometimes fell into the measured window).
  await page.waitForSelector('#runs-table tbody tr', { timeout: 60_000 });
  await page.waitForSelector('#sweep-curves .main-svg', { timeout: 60_000 });
  await page.waitForTimeout(2000);
  const loading = await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    const tasks = w.longTasks;
    w.longTasks = [];
    return tasks;
  });
  const runs = await db.prisma.run.findMany({ where: { sweepId }, select: { id: true } });
  let wave = 0;
  let updates = 0;
  const updateFor = async (ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      // Every second a fifth of the cells report a new epoch (1,000 runs: 200 changes per second).
      wave += 1;
      const ids = runs.filter((_, i) => (i + wave) % 5 === 0).map((r) => r.id);
      await db.prisma.run.updateMany({ where: { id: { in: ids } }, data: { epochsDone: { increment: 1 } } });
      updates += ids.length;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  await updateFor(30_000);
  const tasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  const measuredUpdates = updates;
  // Then 10 s more under a Chromium trace (apart: tracing costs time of its own), which says what
  // the longest task did (layout, paint, script).
  const cdp = await context.newCDPSession(page);
  const trace: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e: { value: object[] }) => trace.push(...(e.value as TraceEvent[])));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  await updateFor(10_000);
  const traced = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  await traced;
  await context.close();
  return { longest: tasks.length ? Math.max(...tasks) : 0, over50: tasks.length, over100: tasks.filter((t) => t > 100).length, updates: measuredUpdates, loadingLongest: loading.length ? Math.max(...loading) : 0, tracedLongest: longestTaskBreakdown(trace) };
}

async function main(): Promise<void> {
  log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const state = JSON.parse(await agiqa('up', '--ephemeral-ports', '--json')) as { apiUrl: string; database: { url: string } };
  const api = state.apiUrl;
  const db = await createDb({ url: state.database.url, poolSize: 4 });
  try {
    // A real sweep trains on the worker while everything is measured.
    const synth = path.join(home, 'synth');
    await agiqa('data', 'synth', '--out', synth, '--images', '200', '--seed', '1', '--json');
    await agiqa('data', 'import', '--name', 'bench-synth', '--format', 'agiqa3k', '--root', synth, '--json');
    log(`seeding ${RUNS} runs × ${EPOCHS} epochs`);
    const seededAt = performance.now();
    const seeded = await seedRuns(db.prisma, { dataset: 'bench-synth', sweeps: RUNS / PER_SWEEP, encoders: ['tiny-bert', 'tiny-distilbert'], fusions: ['concat', 'cosine'], seeds: 100, epochs: EPOCHS, predictedRuns: 20, name: 'bench' });
    const big = await seedRuns(db.prisma, { dataset: 'bench-synth', sweeps: 1, encoders: ['tiny-bert', 'tiny-distilbert'], fusions: ['concat', 'cosine', 'cross_attention'], seeds: 167, epochs: 10, name: 'live-1000' });
    log(`seeded ${seeded.runs} + ${big.runs} runs in ${((performance.now() - seededAt) / 1000).toFixed(0)} s`);
    const epochRows = await db.prisma.epochMetric.count();
    const sweep = JSON.parse(
      await agiqa('sweep', 'start', '--encoders', 'tiny-bert,tiny-distilbert', '--fusions', 'concat,cross_attention', '--datasets', 'bench-synth', '--image-encoder', 'tiny-clip', '--seeds', '0,1,2', '--epochs', '400', '--lr', '0.001', '--max-parallel', '2', '--json'),
    ) as { id: string };
    const liveSweep = big.sweepIds[0];
    await db.prisma.sweep.update({ where: { id: liveSweep }, data: { status: 'running', finishedAt: null } });
    await db.prisma.run.updateMany({ where: { sweepId: liveSweep }, data: { status: 'running', startedAt: new Date() } });
    const someRun = (await db.prisma.run.findFirstOrThrow({ where: { sweepId: seeded.sweepIds[0] }, orderBy: { cellKey: 'asc' } })).id;
    const seededSweep = seeded.sweepIds[0];
    const urls = {
      health: `${api}/api/health`,
      filtered: `${api}/api/runs?filter=fusion%3Dconcat&filter=srcc%3E%3D0.5&filter=config.learningRate%3D0.0001&sort=-srcc&limit=50`,
      grouped: `${api}/api/runs?groupBy=textEncoder,fusion,sweepName&sort=-srcc&limit=100`,
      table1: `${api}/api/tables/1?dataset=bench-synth`,
      epochs: `${api}/api/runs/${someRun}`,
      sweepDetail: `${api}/api/sweeps/${seededSweep}`,
    };
    await new Promise((resolve) => setTimeout(resolve, 5000)); // the sweep starts training
    const rows: Row[] = [];
    rows.push(await sequential('GET /api/health (floor: no query)', urls.health));
    rows.push(await sequential('GET /api/runs filtered + sorted (50 of 10,000)', urls.filtered));
    rows.push(await sequential('GET /api/runs grouped by encoder × fusion × sweep', urls.grouped));
    rows.push(await sequential('GET /api/tables/1', urls.table1));
    rows.push(await sequential('GET /api/runs/:id (one run with its 100 epochs)', urls.epochs));
    rows.push(await sequential(`GET /api/sweeps/:id (a ${PER_SWEEP}-run sweep)`, urls.sweepDetail));
    // A sweep's first subscriber makes the API read the whole sweep; a stream reopened within 30 s
    // (a reload) is served by the watcher that lingers. Finished sweeps keep no watcher: each of the
    // seeded ones is a first subscriber.
    const coldSnapshots: number[] = [];
    for (const sweepId of seeded.sweepIds) {
      const s = await openStream(`${api}/api/sweeps/${sweepId}/events`, () => undefined);
      coldSnapshots.push(s.firstMs);
      s.close();
    }
    rows.push({ what: `sweep page: live snapshot of a ${PER_SWEEP}-run sweep, first subscriber (SSE, first event; ${seeded.sweepIds.length} sweeps)`, n: coldSnapshots.length, p50: quantile(coldSnapshots, 0.5), p95: quantile(coldSnapshots, 0.95) });
    const snapshots: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await openStream(`${api}/api/sweeps/${liveSweep}/events`, () => undefined);
      snapshots.push(s.firstMs);
      s.close();
    }
    const [firstSnapshot, ...reopened] = snapshots;
    rows.push({ what: `sweep page: live snapshot of the running ${big.runs}-run sweep, first subscriber`, n: 1, p50: firstSnapshot, p95: firstSnapshot });
    rows.push({ what: `sweep page: the same reopened within 30 s (the watcher lingers)`, n: reopened.length, p50: quantile(reopened, 0.5), p95: quantile(reopened, 0.95) });
    const liveRuns = (await db.prisma.run.findMany({ where: { sweepId: liveSweep }, select: { id: true }, take: 50 })).map((r) => r.id);
    const delays = await updateLatency(db, api, liveSweep, liveRuns, 50);
    rows.push({ what: `sweep page: DB change → its \`runs\` event (1 s watch interval; ${delays.missed} of ${delays.length + (delays.missed ?? 0)} missed)`, n: delays.length, p50: quantile(delays, 0.5), p95: quantile(delays, 0.95) });

    log(`${CLIENTS} clients for ${SECONDS} s`);
    const loadBefore = loadavg()[0];
    const mixUrls = [urls.filtered, urls.grouped, urls.table1, urls.epochs, urls.sweepDetail];
    const concurrentDelays: number[] & { missed?: number } = [];
    const [load] = await Promise.all([
      concurrent(mixUrls),
      (async () => {
        const measured = await updateLatency(db, api, liveSweep, liveRuns, 30);
        concurrentDelays.push(...measured);
        concurrentDelays.missed = measured.missed;
      })(),
    ]);
    const sweepState = JSON.parse(await agiqa('sweep', 'status', sweep.id, '--json')) as { status: string; progress?: { epochsDone: number } };

    let browser: Awaited<ReturnType<typeof browserLongTasks>> | null = null;
    if (!args['no-browser']) {
      log('browser: 1,000-run sweep page with live updates, 30 s');
      browser = await browserLongTasks(db, api, liveSweep);
    }

    console.log(`\nMachine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB. Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (before the concurrent phase: ${loadBefore.toFixed(2)}).`);
    console.log(`Data: ${seeded.runs + big.runs} runs, ${epochRows} epoch rows; a real sweep (4 cells × 3 seeds, tiny encoders, 400 epochs) training on the worker throughout (${sweepState.status}, ${sweepState.progress?.epochsDone ?? '?'} epochs done by the end).\n`);
    console.log('| request | n | p50 ms | p95 ms | p99 ms | response bytes |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.what} | ${r.n} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99?.toFixed(1) ?? ''} | ${r.bytes ?? ''} |`);
    console.log(`| ${load.what} | ${load.n} | ${load.p50.toFixed(1)} | ${load.p95.toFixed(1)} | ${load.p99?.toFixed(1)} | |`);
    console.log(`| sweep page: DB change → \`runs\` event, during the ${CLIENTS}-client load (${concurrentDelays.missed} missed) | ${concurrentDelays.length} | ${quantile(concurrentDelays, 0.5).toFixed(1)} | ${quantile(concurrentDelays, 0.95).toFixed(1)} | | |`);
    console.log(`\nConcurrent: ${load.perSecond.toFixed(1)} requests/s, ${load.errors} errors.`);
    if (browser) {
      console.log(`Browser (Chromium, sweep page of ${big.runs} runs, ${browser.updates} run updates over 30 s): ${browser.over50 > 0 ? `longest main-thread task ${browser.longest.toFixed(0)} ms; ${browser.over50} tasks over 50 ms, ${browser.over100} over 100 ms` : 'no main-thread task over 50 ms (the Long Tasks API reports only those)'}. While the page loaded (table, then the curves' first plotly draw): longest task ${browser.loadingLongest.toFixed(0)} ms. Traced (Chromium, 10 s more), the longest task: ${browser.tracedLongest} (ms).`);
    }
  } finally {
    await db.close();
    await agiqa('down').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
