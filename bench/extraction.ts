/**
 * Feature extraction of a whole AGIQA-3K-size dataset at real size, through the platform, beside
 * the plain PyTorch (and onnxruntime-python) reference on the same inputs, interleaved.
 *
 *   npx tsx --conditions @agiqa/source bench/extraction.ts [--rounds 2] [--text bert-base]
 *       [--images 2982] [--references torch,onnxruntime] [--threads N] [--batch 32]
 *
 * Ours: a worker process (apps/worker main.ts, role cpu, the real activities) against a Temporal dev
 * server and PostgreSQL; the bench starts the image and the text FeatureWorkflow of one cell at the
 * same moment, as a RunWorkflow does, and waits for both. Wall time runs from the start to both
 * results (model loading included, and storing each set in the worker's file:// artefact store);
 * the worker's CPU time and peak RSS come from /proc. Each round starts a fresh worker with an empty
 * working folder and store.
 * Reference: bench/reference/pipeline.py extract (Pillow + CLIPImageProcessor, transformers'
 * CLIPVisionModelWithProjection and text model at batch 32 under torch.inference_mode; or the same
 * ONNX graphs through onnxruntime-python), model loading included, writing .npy files.
 * Rounds alternate the order (ours first, then last) so that a drift in the machine's load does not
 * favour one side; the ratio is taken per round and its median reported. Needs PostgreSQL (as the
 * test suites) and the models of tools/make_real_encoders.py (bench/real/inputs.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Artifacts, FileArtifactStore } from '@agiqa/artifacts';
import { GridSpecSchema, WORKFLOW_TYPES } from '@agiqa/contracts';
import { loadDataset } from '@agiqa/data';
import { createDb, createSweep, registerDataset } from '@agiqa/db';
import { postgresAvailable, startTestPostgres } from '@agiqa/db/testing';
import { startTestTemporal } from '@agiqa/orchestration/testing';
import { MODEL_ENCODER_TOOLKIT } from '../apps/worker/src/activities/encoder-toolkit.js';
import { createFeatureActivities } from '../apps/worker/src/activities/features.activities.js';
import { startWorkerProcess } from '../apps/worker/src/testing/worker-process.js';
import type { FeatureRef, FeatureRequest } from '../apps/worker/src/workflows/types.js';
import { AGIQA3K_IMAGES, MODELS_DIR, HF_DIR, PROMPTS_FILE, PYTHON, REFERENCE_SCRIPT, trialDataset, writeList } from './real/inputs.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    text: { type: 'string', default: 'bert-base' },
    images: { type: 'string', default: String(AGIQA3K_IMAGES) },
    references: { type: 'string', default: 'torch,onnxruntime' },
    threads: { type: 'string', default: String(cpus().length) },
    batch: { type: 'string', default: '32' },
  },
});
const rounds = Number(args.rounds);
const imageCount = Number(args.images);
const threads = Number(args.threads);
const batch = Number(args.batch);
const references = (args.references ?? '').split(',').filter(Boolean);
if (!postgresAvailable().ok) throw new Error(`bench/extraction.ts needs PostgreSQL: ${postgresAvailable().reason}`);

const execFileAsync = promisify(execFile);
const load = () => loadavg()[0].toFixed(2);
const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux

/** utime + stime of a process and all its threads, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Peak resident set size of a process so far (VmHWM), MiB. */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? folderBytes(path) : statSync(path).size);
  }, 0);
}

interface Measured {
  pipeline: string;
  round: number;
  wallS: number;
  imageS: number;
  textS: number;
  peakRssMiB: number;
  cores: number;
  outputMB: number;
  load: string;
}

// --- inputs ---------------------------------------------------------------------------------
const { root, imagePaths } = await trialDataset(imageCount);
const dataset = await loadDataset({ format: 'agiqa3k', root, checkImages: true });
const prompts = [...new Set(dataset.items.map((item) => item.prompt))];
const scratch = await mkdtemp(join(tmpdir(), 'agiqa-bench-extraction-'));
const imageList = await writeList(join(scratch, 'images.txt'), imagePaths);
const promptFile = join(scratch, 'prompts.json');
await writeFile(promptFile, JSON.stringify({ prompts: prompts.map((text) => ({ text })) }));

console.log(
  `machine: ${cpus()[0]?.model.trim()}, ${cpus().length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}; ` +
    `load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the start`,
);
console.log(
  `dataset: ${imagePaths.length} images (512 px JPEG), ${prompts.length} distinct prompts (${PROMPTS_FILE}); encoders ${args.text} + clip-vit-b32 ` +
    `from ${MODELS_DIR} (random weights, real size); ${threads} encoder threads, batch ${batch}; ${rounds} round(s)\n`,
);

// --- the platform: Temporal + PostgreSQL + a worker process -----------------------------------
const [temporal, pg] = await Promise.all([startTestTemporal(), startTestPostgres()]);
const db = await createDb({ url: pg.url, migrate: true });
const rows: Measured[] = [];
try {
  await registerDataset(db.prisma, 'agiqa3k-real', dataset);
  const grid = GridSpecSchema.parse({ encoders: [args.text], fusions: ['concat'], datasets: ['agiqa3k-real'], imageEncoder: 'clip-vit-b32', seeds: [0] });
  const { runs } = await createSweep(db.prisma, { grid });
  const planner = createFeatureActivities({
    prisma: db.prisma,
    temporal: temporal.client,
    cpuQueue: 'unused',
    // Planning reads no artefact; the worker process has its own store under its AGIQA_HOME.
    artifacts: new Artifacts(new FileArtifactStore(join(scratch, 'store')), undefined),
    paths: { work: scratch },
    models: { modelsDir: MODELS_DIR, allowRemote: false },
    encoders: MODEL_ENCODER_TOOLKIT,
    timing: { heartbeatTimeoutMs: 60_000, heartbeatTimeoutMaxMs: 600_000, heartbeatIntervalMs: 10_000, trainTimeoutMs: 3_600_000 },
  });
  const requests = await planner.planFeatures({ runId: runs[0].id });

  async function ours(round: number): Promise<Measured> {
    await db.prisma.featureSet.deleteMany({});
    const home = await mkdtemp(join(tmpdir(), 'agiqa-bench-worker-'));
    const queue = `bench-extract-${process.pid}-${round}`;
    const worker = await startWorkerProcess(
      {
        AGIQA_HOME: home,
        DATABASE_URL: pg.url,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        AGIQA_CPU_QUEUE: queue,
        AGIQA_GPU_QUEUES: `${queue}-gpu`,
        AGIQA_MODELS_DIR: MODELS_DIR,
        AGIQA_ENCODER_THREADS: String(threads),
        AGIQA_EXTRACT_BATCH: String(batch),
      },
      ['--role', 'cpu'],
    );
    const pid = worker.child.pid as number;
    try {
      const cpu0 = cpuSeconds(pid);
      const started = performance.now();
      const refs = (await Promise.all(
        requests.map((request: FeatureRequest) =>
          temporal.client.workflow.execute(WORKFLOW_TYPES.features, { taskQueue: queue, workflowId: `bench-${round}-${request.key}`, args: [request] }),
        ),
      )) as FeatureRef[];
      const wallS = (performance.now() - started) / 1000;
      const cpu = cpuSeconds(pid) - cpu0;
      const sets = await db.prisma.featureSet.findMany({ where: { key: { in: refs.map((r) => r.key) } } });
      const ms = (kind: string) => sets.find((s) => s.kind === kind)?.extractMs ?? Number.NaN;
      return {
        pipeline: 'agiqa (worker)',
        round,
        wallS,
        imageS: ms('image') / 1000,
        textS: ms('text') / 1000,
        peakRssMiB: peakRssMiB(pid),
        cores: cpu / wallS,
        // The feature sets in the worker's artefact store (AGIQA_HOME/artifacts, file://).
        outputMB: folderBytes(join(home, 'artifacts', 'features')) / 1e6,
        load: load(),
      };
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await rm(home, { recursive: true, force: true });
    }
  }

  async function reference(engine: string, round: number): Promise<Measured> {
    const out = join(scratch, `ref-${engine}-${round}`);
    const { stdout } = await execFileAsync(
      PYTHON,
      [REFERENCE_SCRIPT, 'extract', '--engine', engine, '--text', args.text ?? 'bert-base', '--images', imageList, '--prompts', promptFile, '--out', out,
        '--batch', String(batch), '--threads', String(threads), '--hf-dir', HF_DIR, '--models-dir', MODELS_DIR],
      { maxBuffer: 1 << 24 },
    );
    const r = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
    await rm(out, { recursive: true, force: true });
    return {
      pipeline: engine === 'torch' ? 'PyTorch + transformers' : 'onnxruntime-python',
      round,
      wallS: r.wallMs / 1000,
      imageS: r.imageMs / 1000,
      textS: r.textMs / 1000,
      peakRssMiB: r.peakRssMiB,
      cores: r.coresUsed,
      outputMB: r.outputBytes / 1e6,
      load: load(),
    };
  }

  for (let round = 1; round <= rounds; round++) {
    const order = [() => ours(round), ...references.map((engine) => () => reference(engine, round))];
    if (round % 2 === 0) order.reverse();
    for (const step of order) {
      const row = await step();
      rows.push(row);
      console.log(`  round ${round}: ${row.pipeline} ${row.wallS.toFixed(1)} s (load ${row.load})`);
    }
  }
} finally {
  await db.close();
  await pg.stop();
  await temporal.teardown();
  await rm(scratch, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\n| round | pipeline | wall (s) | ms / image | image set (s) | text set (s) | peak RSS (MiB) | cores used | features written (MB) | load (1 min) |`);
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.round} | ${r.pipeline} | ${r.wallS.toFixed(1)} | ${((1000 * r.wallS) / imagePaths.length).toFixed(1)} | ${r.imageS.toFixed(1)} | ${r.textS.toFixed(1)} | ` +
      `${r.peakRssMiB.toFixed(0)} | ${r.cores.toFixed(2)} | ${r.outputMB.toFixed(1)} | ${r.load} |`,
  );
}
console.log('\n| reference | ratio ours / reference, per round | median |');
console.log('|---|---|---:|');
for (const pipeline of [...new Set(rows.map((r) => r.pipeline))].filter((p) => p !== 'agiqa (worker)')) {
  const ratios = Array.from({ length: rounds }, (_, i) => {
    const mine = rows.find((r) => r.round === i + 1 && r.pipeline === 'agiqa (worker)');
    const theirs = rows.find((r) => r.round === i + 1 && r.pipeline === pipeline);
    return mine && theirs ? mine.wallS / theirs.wallS : Number.NaN;
  });
  console.log(`| ${pipeline} | ${ratios.map((r) => r.toFixed(3)).join(', ')} | ${median(ratios).toFixed(3)} |`);
}
console.log(`\nworker peak RSS, max over rounds: ${Math.max(...rows.filter((r) => r.pipeline === 'agiqa (worker)').map((r) => r.peakRssMiB)).toFixed(0)} MiB (target ≤ 2 GB); load ${load()} at the end`);
