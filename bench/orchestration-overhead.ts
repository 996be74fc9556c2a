/**
 * Per-cell orchestration overhead of a 200-cell sweep of tiny runs: the time a cell spends outside
 * activity bodies (workflow tasks, scheduling, task-queue hops, child workflow start/close,
 * continue-as-new), against a real Temporal dev server with in-process workers and PGlite.
 *
 *   npx tsx --conditions @agiqa/source bench/orchestration-overhead.ts [--cells 200] [--parallel 1,8]
 *
 * Cells: tiny-bert / tiny-distilbert × concat / cosine × split repeats × seeds on a 50-image
 * synthetic dataset, 1 epoch each. Features are extracted by a warm-up sweep first, so the table
 * measures the steady state of a sweep (extraction is a once-per-encoder cost, not per cell).
 * Per cell: overhead = RunWorkflow wall time − the union of its activity-body intervals. With
 * maxParallel 1 that is pure orchestration latency; with more cells in flight it also holds the
 * wait for the one training slot (the GPU worker trains one cell at a time), shown as its own column.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Context } from '@temporalio/activity';
import { workflowIds } from '@agiqa/contracts';
import { startSweep } from '@agiqa/orchestration';
import { startHarness, tinyGrid } from '../apps/worker/src/testing/harness.js';
import { unionMs } from './intervals.js';

const { values: args } = parseArgs({
  options: { cells: { type: 'string', default: '200' }, parallel: { type: 'string', default: '1,8' } },
});
const cells = Number(args.cells);
const parallels = (args.parallel ?? '').split(',').map(Number);
if (!Number.isInteger(cells) || cells < 20 || cells % 20 !== 0) throw new Error(`--cells must be a multiple of 20, got ${args.cells}`);
if (parallels.some((p) => !Number.isInteger(p) || p < 1)) throw new Error(`--parallel must list positive integers, got ${args.parallel}`);

interface Span {
  workflowId: string;
  activity: string;
  start: number;
  end: number;
}
const spans: Span[] = [];

type ActivityMap = Record<string, (...a: never[]) => Promise<unknown>>;
function timed<T extends ActivityMap>(activities: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    const wrapped = async (...a: never[]) => {
      const start = performance.timeOrigin + performance.now();
      try {
        return await fn(...a);
      } finally {
        const workflowId = Context.current().info.workflowExecution?.workflowId ?? 'unknown';
        spans.push({ workflowId, activity: name, start, end: performance.timeOrigin + performance.now() });
      }
    };
    Object.defineProperty(wrapped, 'name', { value: name });
    out[name] = wrapped;
  }
  return out as T;
}


const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
};

const h = await startHarness();
try {
  const stop = await h.startWorkers('all', { wrap: (a) => ({ ...a, cpu: timed(a.cpu), gpu: timed(a.gpu) }), cpuActivitySlots: 8 });
  const tiny = { encoders: ['tiny-bert', 'tiny-distilbert'] as const, fusions: ['concat', 'cosine'] as const, epochs: 1, head: { hiddenUnits: 8 } };

  // Warm-up: extracts the image and both text feature sets and warms the worker caches.
  const warm = await h.newSweep(tinyGrid({ ...tiny, encoders: [...tiny.encoders], fusions: [...tiny.fusions], maxParallel: 4 }));
  await h.env.client.workflow.getHandle((await startSweep(h.env.client, { sweepId: warm.sweepId })).workflowId).result();
  spans.length = 0;

  const seeds = Array.from({ length: cells / 4 / 5 }, (_, i) => i);
  const repeats = 5;
  const rows: string[] = [];
  const byActivity = new Map<string, number[]>();
  for (const parallel of parallels) {
    spans.length = 0;
    const grid = tinyGrid({ ...tiny, encoders: [...tiny.encoders], fusions: [...tiny.fusions], split: { repeats }, seeds, maxParallel: parallel });
    const { sweepId, runIds } = await h.newSweep(grid);
    if (runIds.length !== cells) throw new Error(`grid has ${runIds.length} cells, expected ${cells}`);
    const t0 = performance.now();
    const started = await startSweep(h.env.client, { sweepId });
    const outcome = (await h.env.client.workflow.getHandle(started.workflowId).result()) as { status: string; counts: Record<string, number> };
    const wallMs = performance.now() - t0;
    if (outcome.status !== 'completed') throw new Error(`sweep ended ${outcome.status}: ${JSON.stringify(outcome.counts)}`);

    const perCell = await Promise.all(
      runIds.map(async (runId) => {
        const workflowId = workflowIds.run(runId, 1);
        const handle = h.env.client.workflow.getHandle(workflowId);
        const d = await handle.describe();
        const cellMs = (d.closeTime as Date).getTime() - d.startTime.getTime();
        const own = spans.filter((s) => s.workflowId === workflowId);
        const bodyMs = unionMs(own.map((s) => [s.start, s.end]));
        // Wait for the training slot: trainRun scheduled (history) → its body started (worker).
        const history = await handle.fetchHistory();
        const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainRun');
        const scheduledAt = Number(scheduled?.eventTime?.seconds ?? 0) * 1000 + (scheduled?.eventTime?.nanos ?? 0) / 1e6;
        const trainStart = own.find((s) => s.activity === 'trainRun')?.start ?? scheduledAt;
        return { cellMs, overheadMs: cellMs - bodyMs, gpuWaitMs: Math.max(0, trainStart - scheduledAt) };
      }),
    );
    const bodySumMs = spans.filter((s) => s.workflowId.startsWith('run-')).reduce((a, s) => a + (s.end - s.start), 0);
    for (const s of spans) byActivity.set(s.activity, [...(byActivity.get(s.activity) ?? []), s.end - s.start]);
    const overheads = perCell.map((c) => c.overheadMs);
    const net = perCell.map((c) => c.overheadMs - c.gpuWaitMs);
    rows.push(
      `| ${cells} | ${parallel} | ${(wallMs / 1000).toFixed(1)} | ${(bodySumMs / 1000).toFixed(1)} | ${quantile(perCell.map((c) => c.cellMs), 0.5).toFixed(0)} | ${quantile(overheads, 0.5).toFixed(0)} | ${quantile(overheads, 0.9).toFixed(0)} | ${quantile(perCell.map((c) => c.gpuWaitMs), 0.5).toFixed(0)} | ${quantile(net, 0.5).toFixed(0)} | ${quantile(net, 0.9).toFixed(0)} | ${(cells / (wallMs / 1000)).toFixed(2)} |`,
    );
  }

  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`machine: ${cpu}, ${cpus().length} cores, node ${process.version}, tfjs ${h.deps.engines?.tfjsBackend}, Temporal dev server (in-memory), PGlite in-process`);
  console.log(`grid: ${cells} cells (2 text encoders × 2 fusions × ${repeats} split repeats × ${seeds.length} seeds), 1 epoch, 50 images; features pre-extracted\n`);
  console.log(
    '| cells | maxParallel | wall (s) | Σ activity bodies (s) | cell wall median (ms) | overhead/cell median (ms) | overhead p90 (ms) | of which training-slot wait, median (ms) | overhead − slot wait, median (ms) | p90 (ms) | cells/s |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  console.log('\n| activity | calls | median body (ms) |');
  console.log('|---|---:|---:|');
  for (const [name, times] of [...byActivity].sort()) console.log(`| ${name} | ${times.length} | ${quantile(times, 0.5).toFixed(1)} |`);
  await stop();
} finally {
  await h.close();
}
