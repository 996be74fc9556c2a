/**
 * The paper's Table-1 sweep at AGIQA-3K scale through the platform, once per training engine
 * (issue #8): BERT-base, DistilBERT and RoBERTa-base × concat, cosine and cross-attention, with CLIP
 * ViT-B/32, 100 epochs, one seed, on the AGIQA-3K-size dataset (2,982 images, 300 prompts); the
 * sweep's wall time split into extraction, training, other activities and orchestration.
 *
 *   npx tsx --conditions @agiqa/source bench/table1-sweep.ts [--engines torch,tfjs] [--epochs 100]
 *       [--encoders bert-base,distilbert,roberta] [--torch-threads N] [--encoder-threads N]
 *       [--images 2982]   (fewer: the first N rows, a trial of the bench, not the benchmark)
 *
 * The platform as `agiqa up` runs it, on PostgreSQL: a Temporal dev server and one worker process
 * (`--role all --allow-cpu`: workflows, extraction, one training slot) with its own AGIQA_HOME and
 * file:// store. The engines' sweeps run one after the other on the same stack, so the first
 * extracts the features and the next finds them stored (features are keyed by content and do not
 * depend on the engine): extraction is a once-per-dataset cost, reported with the sweep that paid it.
 *
 * The split comes from the Temporal histories of the sweep, its cells and the feature workflows
 * it started: every activity's started → closed interval (its last attempt's), by type. At each
 * instant the sweep is counted as *training* when any `trainRun` runs, else *extraction* when any
 * `extractFeatures` runs, else *other activities* (splits, results, latency, bookkeeping, and
 * `awaitFeatures` polls) when any other activity runs, else *orchestration* (workflow tasks,
 * queues, child starts, retry backoff of the polls); the four add up to the wall time. Beside them,
 * the work itself: the worker's extraction time per feature set (FeatureSet.extractMs) and the sum
 * of the cells' epoch times (EpochMetric.durationMs), and each activity type's total.
 *
 * Models and data: tools/make_real_encoders.py (random weights at real size) and the AGIQA-3K-size
 * synthetic dataset of bench/real/inputs.ts. Needs PostgreSQL; the torch engine needs tools/.venv.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { temporal } from '@temporalio/proto';
import { GridSpecSchema, TEXT_ENCODER_NAMES, TRAINING_ENGINES, workflowIds, type TrainingEngineName } from '@agiqa/contracts';
import { loadDataset } from '@agiqa/data';
import { createDb, createSweep, registerDataset } from '@agiqa/db';
import { postgresAvailable, startTestPostgres } from '@agiqa/db/testing';
import { startSweep } from '@agiqa/orchestration';
import { startTestTemporal } from '@agiqa/orchestration/testing';
import { startWorkerProcess } from '../apps/worker/src/testing/worker-process.js';
import { unionMs } from './intervals.js';
import { AGIQA3K_IMAGES, MODELS_DIR, PYTHON, trialDataset } from './real/inputs.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const { values: args } = parseArgs({
  options: {
    engines: { type: 'string', default: 'torch,tfjs' },
    epochs: { type: 'string', default: '100' },
    encoders: { type: 'string', default: 'bert-base,distilbert,roberta' },
    'torch-threads': { type: 'string', default: String(cpus().length) },
    'encoder-threads': { type: 'string', default: String(cpus().length) },
    images: { type: 'string', default: String(AGIQA3K_IMAGES) },
  },
});
const engines = (args.engines ?? '').split(',').filter(Boolean) as TrainingEngineName[];
const encoders = (args.encoders ?? '').split(',').filter(Boolean);
const epochs = Number(args.epochs);
for (const engine of engines) if (!(TRAINING_ENGINES as readonly string[]).includes(engine)) throw new Error(`--engines: unknown engine ${engine}`);
for (const encoder of encoders) if (!(TEXT_ENCODER_NAMES as readonly string[]).includes(encoder)) throw new Error(`--encoders: unknown encoder ${encoder}`);
const imageCount = Number(args.images);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got ${args.epochs}`);
if (!Number.isInteger(imageCount) || imageCount < 20 || imageCount > AGIQA3K_IMAGES) throw new Error(`--images must be an integer in 20..${AGIQA3K_IMAGES}, got ${args.images}`);
if (!postgresAvailable().ok) throw new Error(`bench/table1-sweep.ts needs PostgreSQL: ${postgresAvailable().reason}`);

const FUSIONS = ['concat', 'cosine', 'cross_attention'] as const;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);
const seconds = (milliseconds: number) => (milliseconds / 1000).toFixed(1);

/** One activity execution of a workflow: its type and started → closed interval (epoch ms). */
interface ActivitySpan {
  type: string;
  start: number;
  end: number;
}

/** The activities of one workflow history that closed (completed, failed, timed out or cancelled). */
function activitySpans(events: HistoryEvent[]): ActivitySpan[] {
  const typeOf = new Map<string, string>();
  const startOf = new Map<string, number>();
  const spans: ActivitySpan[] = [];
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) typeOf.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    if (e.activityTaskStartedEventAttributes) startOf.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), ms(e.eventTime));
    const closed =
      e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed) {
      const scheduled = String(closed.scheduledEventId);
      spans.push({ type: typeOf.get(scheduled) ?? '?', start: startOf.get(scheduled) ?? ms(e.eventTime), end: ms(e.eventTime) });
    }
  }
  return spans;
}

/** Wall time of the sweep split by priority: training > extraction > other activities > orchestration (ms, they add up to the wall). */
function splitWall(wallMs: number, spans: ActivitySpan[]) {
  const interval = (s: ActivitySpan): [number, number] => [s.start, s.end];
  const training = spans.filter((s) => s.type === 'trainRun').map(interval);
  const extraction = spans.filter((s) => s.type === 'extractFeatures').map(interval);
  const all = spans.map(interval);
  const trainingMs = training.length ? unionMs(training) : 0;
  const upToExtraction = training.length + extraction.length ? unionMs([...training, ...extraction]) : 0;
  const activityMs = all.length ? unionMs(all) : 0;
  return { trainingMs, extractionMs: upToExtraction - trainingMs, otherMs: activityMs - upToExtraction, orchestrationMs: wallMs - activityMs };
}

const TABLE_HEADER =
  '| engine | cells (completed) | wall s | training s | extraction s | other activities s | orchestration s | feature extraction work s | epoch work s | load after |\n' +
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|';

function tableRow(r: Row): string {
  return (
    `| ${r.engine} | ${r.cells} (${r.completed}) | ${seconds(r.wallMs)} | ${seconds(r.split.trainingMs)} | ${seconds(r.split.extractionMs)} | ` +
    `${seconds(r.split.otherMs)} | ${seconds(r.split.orchestrationMs)} | ${seconds(r.extractWorkMs)} | ${seconds(r.epochWorkMs)} | ${r.loadAfter} |`
  );
}

// --- inputs and the platform -----------------------------------------------------------------
const dataset = await loadDataset({ format: 'agiqa3k', root: (await trialDataset(imageCount)).root, checkImages: true });
console.log(
  `machine: ${cpus()[0]?.model.trim()}, ${cpus().length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}; load ${load()} at the start`,
);
console.log(
  `grid: ${encoders.join(', ')} × ${FUSIONS.join(', ')} with clip-vit-b32 (random weights, real size, ${MODELS_DIR}), ${epochs} epochs, batch 32, ` +
    `one seed, on ${dataset.items.length} images / ${new Set(dataset.items.map((i) => i.prompt)).size} prompts; engines in this order: ${engines.join(', ')}\n`,
);

const [temporalServer, pg] = await Promise.all([startTestTemporal(), startTestPostgres()]);
const db = await createDb({ url: pg.url, migrate: true });
const home = await mkdtemp(join(tmpdir(), 'agiqa-bench-table1-'));
const queue = `bench-table1-${process.pid}`;
const worker = await startWorkerProcess(
  {
    AGIQA_HOME: home,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporalServer.address,
    TEMPORAL_NAMESPACE: 'default',
    AGIQA_CPU_QUEUE: queue,
    AGIQA_GPU_QUEUES: `${queue}-gpu`,
    AGIQA_MODELS_DIR: MODELS_DIR,
    AGIQA_PYTHON: PYTHON,
    AGIQA_TORCH_THREADS: args['torch-threads'],
    AGIQA_ENCODER_THREADS: args['encoder-threads'],
  },
  ['--role', 'all', '--allow-cpu'],
);

interface Row {
  engine: string;
  wallMs: number;
  split: ReturnType<typeof splitWall>;
  extractWorkMs: number;
  epochWorkMs: number;
  cells: number;
  completed: number;
  loadAfter: string;
}
const rows: Row[] = [];
try {
  await registerDataset(db.prisma, 'agiqa3k-real', dataset);
  for (const engine of engines) {
    const loadBefore = load();
    const grid = GridSpecSchema.parse({ name: `Table 1, ${engine}`, encoders, fusions: [...FUSIONS], datasets: ['agiqa3k-real'], seeds: [0], epochs, trainer: engine });
    const { sweep, runs } = await createSweep(db.prisma, { grid });
    const setsBefore = new Set((await db.prisma.featureSet.findMany({ select: { key: true } })).map((s) => s.key));
    console.log(`${new Date().toISOString()} ${engine}: sweep of ${runs.length} cells started (load ${loadBefore})`);
    const started = await startSweep(temporalServer.client, { sweepId: sweep.id, taskQueue: queue });
    const handle = temporalServer.client.workflow.getHandle(started.workflowId);
    await handle.result();
    const sweepEvents = (await handle.fetchHistory()).events ?? [];
    const wallMs = ms(sweepEvents.at(-1)?.eventTime) - ms(sweepEvents[0]?.eventTime);
    const childIds = sweepEvents.flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? []);
    const runIds = runs.map((r) => r.id);
    const [completed, epochWork, sets] = await Promise.all([
      db.prisma.run.count({ where: { id: { in: runIds }, status: 'completed' } }),
      db.prisma.epochMetric.aggregate({ where: { runId: { in: runIds } }, _sum: { durationMs: true } }),
      db.prisma.featureSet.findMany({ select: { key: true, extractMs: true } }),
    ]);
    const newSets = sets.filter((s) => !setsBefore.has(s.key));
    const spans = activitySpans(sweepEvents);
    for (const id of [...childIds, ...newSets.map((s) => workflowIds.features(s.key))]) {
      spans.push(...activitySpans((await temporalServer.client.workflow.getHandle(id).fetchHistory()).events ?? []));
    }
    const byType = new Map<string, number>();
    for (const span of spans) byType.set(span.type, (byType.get(span.type) ?? 0) + span.end - span.start);
    const row: Row = {
      engine,
      wallMs,
      split: splitWall(wallMs, spans),
      extractWorkMs: newSets.reduce((sum, s) => sum + s.extractMs, 0),
      epochWorkMs: epochWork._sum.durationMs ?? 0,
      cells: runs.length,
      completed,
      loadAfter: load(),
    };
    rows.push(row);
    console.log(`${new Date().toISOString()} ${engine}: done in ${seconds(wallMs)} s, ${completed} of ${runs.length} cells completed (load ${load()})`);
    console.log(`  activity time by type (s, summed over executions): ${[...byType].map(([type, total]) => `${type} ${seconds(total)}`).join(', ')}`);
    console.log(`  ${tableRow(row)}`);
  }
} finally {
  worker.child.kill('SIGTERM');
  await worker.exited;
  await db.close();
  await pg.stop();
  await temporalServer.teardown();
  await rm(home, { recursive: true, force: true });
}

console.log(`\n${TABLE_HEADER}`);
for (const r of rows) console.log(tableRow(r));
if (rows.length === 2) console.log(`\nwall time ${rows[1].engine} / ${rows[0].engine}: ${(rows[1].wallMs / rows[0].wallMs).toFixed(2)}; training ${(rows[1].split.trainingMs / rows[0].split.trainingMs).toFixed(2)}`);
