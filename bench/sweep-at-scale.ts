/**
 * A sweep of 2,000 one-epoch cells over three worker processes that share nothing but the services
 * (one CPU worker, two GPU-queue workers, each with its own AGIQA_HOME), against real PostgreSQL,
 * the Temporal dev server (priority matcher with fairness) and a real S3 server (versitygw):
 *
 *   npx tsx --conditions @agiqa/source bench/sweep-at-scale.ts [--cells 2000] [--parallel 8]
 *
 * Needs the worker built (`npx nx run @agiqa/worker:build`), PostgreSQL binaries and versitygw
 * (`bash infra/s3/ensure-versitygw.sh`). Prints:
 * - per-cell orchestration overhead: RunWorkflow wall time minus the union of its activities'
 *   started→completed intervals (from the histories), with the wait for a training slot
 *   (trainRun scheduled→started) shown apart;
 * - Temporal history sizes: every execution of the sweep's continue-as-new chain, and the cells';
 * - cells in flight over time (each cell from its attempt's start to its recorded end), with the
 *   minimum around each page boundary (every 100 cells started) beside the minimum elsewhere: the
 *   reference in the same run, since a page boundary that drained the window would show 0 there;
 * - the training slots' use (trainRun intervals) near page boundaries beside elsewhere: whether a
 *   boundary leaves the workers idle;
 * - the page hand-over, from the sweep's histories: last child start of an execution → its
 *   continue-as-new → the next execution's first task → its first child start, beside the gap
 *   between consecutive child starts within an execution (the reference).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startTestS3 } from '@agiqa/artifacts/testing';
import { GridSpecSchema, workflowIds } from '@agiqa/contracts';
import { loadDataset, synthesizeDataset } from '@agiqa/data';
import { createDb, createSweep, registerDataset } from '@agiqa/db';
import { startTestPostgres } from '@agiqa/db/testing';
import { startSweep } from '@agiqa/orchestration';
import { startTestTemporal } from '@agiqa/orchestration/testing';
import { startMachine, type Machine } from '../apps/e2e/src/machines.js';
import { tinyGrid } from '../apps/worker/src/testing/harness.js';
import { unionMs } from './intervals.js';
import type { History } from '@temporalio/common/lib/proto-utils.js';

const { values: args } = parseArgs({ options: { cells: { type: 'string', default: '2000' }, parallel: { type: 'string', default: '8' } } });
const cells = Number(args.cells);
const parallel = Number(args.parallel);
if (!Number.isInteger(cells) || cells < 20 || cells % 20 !== 0) throw new Error(`--cells must be a multiple of 20, got ${args.cells}`);
if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--parallel must be a positive integer, got ${args.parallel}`);
const PAGE = 100;

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);
const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
};

/** When an execution of the sweep's chain started its children, began its first task, and continued as new. */
interface ExecutionTimeline {
  firstTask: number;
  childStarts: number[];
  continuedAt: number | null;
}

function timelineOf(events: NonNullable<History['events']>): ExecutionTimeline {
  const firstTask = events.find((e) => e.workflowTaskStartedEventAttributes);
  const continued = events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes);
  return {
    firstTask: ms(firstTask?.eventTime),
    childStarts: events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).map((e) => ms(e.eventTime)),
    continuedAt: continued ? ms(continued.eventTime) : null,
  };
}

/** Where the time goes between one execution's last child start and the next execution's first. */
function handOver(previous: ExecutionTimeline, next: ExecutionTimeline) {
  const lastStart = previous.childStarts.at(-1) ?? NaN;
  const continuedAt = previous.continuedAt ?? NaN;
  const firstChild = next.childStarts[0] ?? NaN;
  return { toContinue: continuedAt - lastStart, toFirstTask: next.firstTask - continuedAt, toFirstChild: firstChild - next.firstTask, total: firstChild - lastStart };
}

const loadBefore = loadavg();
const [temporal, pg, s3] = await Promise.all([startTestTemporal(), startTestPostgres(), startTestS3()]);
const db = await createDb({ url: pg.url, migrate: true });
const machines: Machine[] = [];
try {
  const env = {
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    AGIQA_CPU_QUEUE: 'bench-cpu',
    AGIQA_GPU_QUEUES: 'bench-gpu',
    AGIQA_TFJS_BACKEND: 'wasm',
    AGIQA_CPU_ACTIVITY_SLOTS: '8',
    ...s3.env('bench'),
  };
  machines.push(await startMachine('cpu', ['--role', 'cpu'], env));
  const root = `${machines[0].home}/datasets/synth`;
  await synthesizeDataset({ outDir: root, images: 50, seed: 7 });
  await registerDataset(db.prisma, 'synth', await loadDataset({ format: 'agiqa3k', root, checkImages: true }));
  machines.push(...(await Promise.all(['gpu-a', 'gpu-b'].map((name) => startMachine(name, ['--role', 'gpu', '--gpu-queue', 'bench-gpu', '--allow-cpu'], env)))));

  // trainer tfjs: the in-process engine, so that a cell's overhead is the orchestration's and not
  // a Python start-up per cell (what the torch engine adds is measured in bench/heads-epoch.ts).
  const tiny = { encoders: ['tiny-bert', 'tiny-distilbert'] as const, fusions: ['concat', 'cosine'] as const, epochs: 1, head: { hiddenUnits: 8 }, trainer: 'tfjs' as const };
  const run = async (seeds: number[], maxParallel: number) => {
    const grid = tinyGrid({ ...tiny, encoders: [...tiny.encoders], fusions: [...tiny.fusions], split: { repeats: 5 }, seeds, maxParallel });
    const { sweep, runs } = await createSweep(db.prisma, { grid: GridSpecSchema.parse(grid) });
    const t0 = Date.now();
    const started = await startSweep(temporal.client, { sweepId: sweep.id, taskQueue: 'bench-cpu' });
    const outcome = (await temporal.client.workflow.getHandle(started.workflowId).result()) as { status: string; counts: Record<string, number> };
    return { sweepId: sweep.id, runIds: runs.map((r) => r.id), workflowId: started.workflowId, wallMs: Date.now() - t0, outcome };
  };
  // Warm-up: extracts the feature sets into the store and warms every worker.
  await run([0], 4);

  const seeds = Array.from({ length: cells / 20 }, (_, i) => i);
  const sweep = await run(seeds, parallel);
  const loadAfter = loadavg();
  if (sweep.runIds.length !== cells) throw new Error(`grid has ${sweep.runIds.length} cells, expected ${cells}`);
  if (sweep.outcome.status !== 'completed') throw new Error(`sweep ended ${sweep.outcome.status}: ${JSON.stringify(sweep.outcome.counts)}`);

  // Per cell, from its RunWorkflow history: wall, activity intervals, the wait for a training slot.
  const perCell: { wall: number; overhead: number; slotWait: number; train: number; trainSpans: [number, number][]; events: number }[] = [];
  for (let i = 0; i < sweep.runIds.length; i += 50) {
    const batch = await Promise.all(
      sweep.runIds.slice(i, i + 50).map(async (runId) => {
        const history = await temporal.client.workflow.getHandle(workflowIds.run(runId, 1)).fetchHistory();
        const events = history.events ?? [];
        const start = ms(events[0]?.eventTime);
        const end = ms(events.at(-1)?.eventTime);
        const scheduled = new Map<string, { at: number; type: string }>();
        const startedAt = new Map<string, number>();
        const intervals: [number, number][] = [];
        let slotWait = 0;
        let train = 0;
        const trainSpans: [number, number][] = [];
        for (const e of events) {
          const id = String(e.eventId);
          if (e.activityTaskScheduledEventAttributes) scheduled.set(id, { at: ms(e.eventTime), type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '' });
          if (e.activityTaskStartedEventAttributes) {
            const of = String(e.activityTaskStartedEventAttributes.scheduledEventId);
            startedAt.set(of, ms(e.eventTime));
            if (scheduled.get(of)?.type === 'trainRun') slotWait += ms(e.eventTime) - (scheduled.get(of)?.at ?? ms(e.eventTime));
          }
          const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
          if (closed) {
            const of = String(closed.scheduledEventId);
            const began = startedAt.get(of) ?? ms(e.eventTime);
            intervals.push([began, ms(e.eventTime)]);
            if (scheduled.get(of)?.type === 'trainRun') {
              train += ms(e.eventTime) - began;
              trainSpans.push([began, ms(e.eventTime)]);
            }
          }
        }
        const wall = end - start;
        return { wall, overhead: wall - unionMs(intervals), slotWait, train, trainSpans, events: events.length };
      }),
    );
    perCell.push(...batch);
  }

  // The sweep's continue-as-new chain, oldest execution first.
  const executions: { historyLength: number; historySize: number; startedAt: number; timeline: ExecutionTimeline }[] = [];
  for await (const e of temporal.client.workflow.list({ query: `WorkflowId = '${sweep.workflowId}'` })) {
    const handle = temporal.client.workflow.getHandle(sweep.workflowId, e.runId);
    const d = await handle.describe();
    executions.push({ historyLength: d.historyLength, historySize: d.historySize ?? 0, startedAt: d.startTime.getTime(), timeline: timelineOf((await handle.fetchHistory()).events ?? []) });
  }
  executions.sort((a, b) => a.startedAt - b.startedAt);
  const handOvers = executions.slice(1).map((next, i) => handOver(executions[i].timeline, next.timeline));
  const childGaps = executions.flatMap(({ timeline }) => timeline.childStarts.slice(1).map((t, i) => t - timeline.childStarts[i]));

  // Cells in flight over time, from the attempts (start → recorded end).
  const attempts = await db.prisma.runAttempt.findMany({ where: { run: { sweepId: sweep.sweepId } }, orderBy: { createdAt: 'asc' } });
  const spans = attempts.map((a) => [a.createdAt.getTime(), (a.finishedAt as Date).getTime()] as const);
  const t0 = spans[0][0];
  const t1 = Math.max(...spans.map(([, e]) => e));
  const inFlightAt = (t: number) => spans.filter(([s, e]) => s <= t && t < e).length;
  const step = 250;
  const samples: { t: number; n: number }[] = [];
  for (let t = t0; t < t1; t += step) samples.push({ t, n: inFlightAt(t) });
  // Page boundaries: when the first cell of each later page started (cells start in cellKey order).
  const byKey = await db.prisma.run.findMany({ where: { sweepId: sweep.sweepId }, orderBy: { cellKey: 'asc' }, select: { attemptsLog: { select: { createdAt: true } } } });
  const boundaries = byKey.filter((_, i) => i > 0 && i % PAGE === 0).map((r) => r.attemptsLog[0].createdAt.getTime());
  const near = (t: number) => boundaries.some((b) => Math.abs(t - b) <= 2_000);
  const steady = samples.filter((s) => s.t > t0 + 5_000 && s.t < t1 - 5_000);
  const atBoundaries = steady.filter((s) => near(s.t)).map((s) => s.n);
  const elsewhere = steady.filter((s) => !near(s.t)).map((s) => s.n);
  const trainSum = perCell.reduce((a, c) => a + c.train, 0);
  // The training slots themselves (the GPU-queue workers): trainings running at each sample.
  const trainSpans = perCell.flatMap((c) => c.trainSpans);
  const trainingAt = (t: number) => trainSpans.filter(([s, e]) => s <= t && t < e).length;
  const slotSamples = steady.map((s) => ({ near: near(s.t), n: trainingAt(s.t) }));
  const slotRow = (what: string, ns: number[]) =>
    `| ${what} | ${ns.length} | ${(ns.reduce((a, b) => a + b, 0) / Math.max(1, ns.length)).toFixed(2)} | ${((100 * ns.filter((n) => n === 0).length) / Math.max(1, ns.length)).toFixed(1)} % |`;

  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(`load average before / after: ${loadBefore.map((l) => l.toFixed(1)).join(' ')} / ${loadAfter.map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`services: PostgreSQL (throw-away cluster), Temporal dev server (in-memory, fairness on), versitygw S3; workers: 1 cpu (8 slots) + 2 gpu-queue (1 slot each, tfjs wasm), separate processes, own AGIQA_HOME`);
  console.log(`grid: ${cells} cells (2 text encoders × 2 fusions × 5 split repeats × ${seeds.length} seeds), 1 epoch, 50 images, maxParallel ${parallel}; features extracted by a warm-up sweep\n`);
  console.log(`| cells | completed | wall (s) | cells/s | training-slot busy | overhead/cell median (ms) | p90 (ms) | slot wait median (ms) | overhead − slot wait median (ms) | p90 (ms) |`);
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const net = perCell.map((c) => c.overhead - c.slotWait);
  console.log(
    `| ${cells} | ${sweep.outcome.counts.completed} | ${(sweep.wallMs / 1000).toFixed(1)} | ${(cells / (sweep.wallMs / 1000)).toFixed(2)} | ${((100 * trainSum) / (2 * sweep.wallMs)).toFixed(0)} % | ${quantile(perCell.map((c) => c.overhead), 0.5).toFixed(0)} | ${quantile(perCell.map((c) => c.overhead), 0.9).toFixed(0)} | ${quantile(perCell.map((c) => c.slotWait), 0.5).toFixed(0)} | ${quantile(net, 0.5).toFixed(0)} | ${quantile(net, 0.9).toFixed(0)} |`,
  );
  console.log('\n| Temporal history | executions | events median | events max | bytes median | bytes max |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const sweepLengths = executions.map((e) => e.historyLength);
  const sweepBytes = executions.map((e) => e.historySize);
  console.log(`| sweep (continue-as-new chain) | ${executions.length} | ${quantile(sweepLengths, 0.5)} | ${Math.max(...sweepLengths)} | ${quantile(sweepBytes, 0.5)} | ${Math.max(...sweepBytes)} |`);
  const cellEvents = perCell.map((c) => c.events);
  console.log(`| cell (RunWorkflow) | ${perCell.length} | ${quantile(cellEvents, 0.5)} | ${Math.max(...cellEvents)} | — | — |`);
  console.log(`\ncells in flight (sampled every ${step} ms, maxParallel ${parallel}): steady-state mean ${(elsewhere.reduce((a, b) => a + b, 0) / Math.max(1, elsewhere.length)).toFixed(2)}, min ${Math.min(...elsewhere)}; within 2 s of the ${boundaries.length} page boundaries: mean ${(atBoundaries.reduce((a, b) => a + b, 0) / Math.max(1, atBoundaries.length)).toFixed(2)}, min ${Math.min(...atBoundaries)}`);
  if (handOvers.length > 0) {
    const row = (what: string, values: number[]) => `| ${what} | ${quantile(values, 0.5).toFixed(0)} | ${quantile(values, 0.9).toFixed(0)} | ${Math.max(...values).toFixed(0)} |`;
    console.log(`\n| page hand-over (${handOvers.length} continue-as-new) | median (ms) | p90 (ms) | max (ms) |`);
    console.log('|---|---:|---:|---:|');
    console.log(row('last child start → continue-as-new', handOvers.map((h) => h.toContinue)));
    console.log(row('continue-as-new → first task of the next execution', handOvers.map((h) => h.toFirstTask)));
    console.log(row('first task → first child start', handOvers.map((h) => h.toFirstChild)));
    console.log(row('last child start → next first child start', handOvers.map((h) => h.total)));
    console.log(row('reference: consecutive child starts within an execution', childGaps));
  }
  console.log(`\n| trainings running (2 slots, sampled every ${step} ms) | samples | mean | samples with both slots idle |`);
  console.log('|---|---:|---:|---:|');
  console.log(slotRow(`within 2 s of the ${boundaries.length} page boundaries`, slotSamples.filter((s) => s.near).map((s) => s.n)));
  console.log(slotRow('elsewhere (reference)', slotSamples.filter((s) => !s.near).map((s) => s.n)));
  const buckets = 24;
  const width = (t1 - t0) / buckets;
  const series = Array.from({ length: buckets }, (_, b) => {
    const inBucket = samples.filter((s) => s.t >= t0 + b * width && s.t < t0 + (b + 1) * width).map((s) => s.n);
    return inBucket.length ? `${Math.min(...inBucket)}–${Math.max(...inBucket)}` : '—';
  });
  console.log(`in flight per ${(width / 1000).toFixed(0)} s (min–max): ${series.join(' ')}`);
} finally {
  await Promise.all(machines.map((m) => m.stop().catch(() => undefined)));
  await db.close();
  await pg.stop();
  await s3.stop();
  await temporal.teardown();
}
