/**
 * Per-epoch training time of each fusion head at AGIQA-3K shapes, for several training engines
 * measured in the same run: one table, one row per head, one column group per engine.
 *
 *   npx tsx --conditions @agiqa/source bench/heads-epoch.ts [--epochs 3] [--rounds 2] [--base 2dfef5b]
 *       [--rows concat,cosine-raw,cosine,cross_attention] [--engines base,tfjs]
 *   npx tsx --conditions @agiqa/source bench/heads-epoch.ts --engines reference,torch,tfjs   # issue #8
 *
 * Shapes: 2,982 items (2,386 train, 596 test: AGIQA-3K at 80 %), 300 prompts, 24 tokens, image
 * and text features 768-d (CLIP ViT-B/32 pooled, BERT-base), batch 32, hidden 512, 8 heads, the
 * paper's lr 1e-4; synthetic features (the speed of a head does not depend on their values).
 * An epoch is what `trainHead` reports: 75 Adam steps plus predicting the test split.
 *
 * Rows (`ROWS`): one per head, with its options in this tree and the options that give the same
 * head at the base commit. `cosine-raw` is the cosine fusion of raw features, the default before
 * the shared space (a625177) and the only cosine head the base commit has; `cosine` (shared space,
 * the default now) did not exist there.
 *
 * Engines (the `ENGINES` registry below; add one to add a column group):
 * - `base`: `trainHead` of libs/model at commit `--base` (default 2dfef5b, the tfjs engine before
 *   its fast kernels), from a `git archive` of that commit in a temporary folder;
 * - `tfjs`: `trainHead` of this working tree;
 * - `torch`: the torch engine as the worker runs it (libs/model `TorchEngine`: a feature file, a spec,
 *   `python -m agiqa_torch train` as a subprocess, its JSON lines back), one intra-op thread;
 * - `reference`: a plain PyTorch script (bench/reference/heads_epoch.py: the engine's head modules in
 *   the shortest training loop), one thread. `reference` first makes every speed-up column the
 *   ratio to plain PyTorch (issue #8's target: the torch engine ≤ 1.1× the script).
 * torch and reference need a Python with torch: AGIQA_PYTHON, else tools/.venv.
 * The torch engine's CPU time is its Python subprocess's (from /proc), read at each epoch's report.
 * Each engine trains each head in its own child process, `--epochs` epochs, and reports wall and
 * CPU time per epoch and its numbers (train loss per epoch, final test predictions). Children run
 * one after another, engines interleaved per head, for `--rounds` rounds; an engine's time is the
 * median over all its epochs but each process's first (warm-up). CPU time (user + system of the
 * child) is printed beside wall time: on a shared machine it is the steadier of the two. The last
 * columns compare every engine's numbers with the first engine's (max |Δ| of epoch losses and of
 * test predictions, MOS scale).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, symlink, writeFile, readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHAPES = { items: 2982, train: 2386, prompts: 300, tokens: 24, dim: 768, batch: 32, hidden: 512, heads: 8, learningRate: 1e-4 };

/** One line a child prints per epoch, and once at the end. */
interface EpochLine {
  epoch: number;
  wallMs: number;
  cpuMs: number;
  trainLoss: number;
}
interface FinalLine {
  predictions: number[];
  parameters: number;
  backend: string;
}
interface EngineRun {
  epochs: EpochLine[];
  final: FinalLine;
}

type HeadOptions = Record<string, unknown>;

/** One row of the table: a head and its options (on top of the shared SHAPES). */
interface Row {
  name: string;
  fusion: string;
  /** Options of this tree's head. */
  head: HeadOptions;
  /** Options that give the same head at the base commit (whose schema rejects newer keys); absent: it has no such head. */
  baseHead?: HeadOptions;
}

const ROWS: Row[] = [
  { name: 'concat', fusion: 'concat', head: {}, baseHead: {} },
  { name: 'cosine-raw', fusion: 'cosine', head: { cosineSpace: 'none' }, baseHead: {} },
  { name: 'cosine', fusion: 'cosine', head: {} },
  { name: 'cross_attention', fusion: 'cross_attention', head: {}, baseHead: {} },
];

/** How to start a child that trains a row's head on the data in `dataDir` and prints EpochLine / FinalLine JSON. */
interface Engine {
  /** Column heading. */
  label: string;
  /** Whether this engine has the row's head. */
  runs(row: Row): boolean;
  command(row: Row, dataDir: string, epochs: number): { cmd: string; args: string[]; cwd: string };
}

const { values: args } = parseArgs({
  options: {
    child: { type: 'string' }, // internal: the library root to import
    'child-engine': { type: 'string', default: 'tfjs' }, // internal: tfjs (trainHead) or torch (TorchEngine)
    fusion: { type: 'string' },
    head: { type: 'string', default: '{}' },
    data: { type: 'string' },
    epochs: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    base: { type: 'string', default: '2dfef5b' },
    rows: { type: 'string', default: ROWS.map((r) => r.name).join(',') },
    engines: { type: 'string', default: 'base,tfjs' },
  },
});

if (args.child !== undefined) {
  await runChild(args.child, String(args['child-engine']), String(args.fusion), JSON.parse(String(args.head)), String(args.data), Number(args.epochs));
} else {
  await runParent();
}

/**
 * Child: train one head with the library at `root` — in process on tfjs (`trainHead`), or through
 * the torch engine (`TorchEngine`, a Python subprocess) — and print one JSON line per epoch, then the final line.
 */
async function runChild(root: string, engineName: string, fusion: string, head: Record<string, unknown>, dataDir: string, epochs: number): Promise<void> {
  const model = await import(pathToFileURL(join(root, 'libs/model/src/index.ts')).href);
  await model.initTfjsBackend('wasm');
  const train = engineName === 'torch' ? await torchTrainer(model) : { trainHead: model.trainHead, cpuMs: () => process.cpuUsage() };
  const read = async (name: string) => new Float32Array((await readFile(join(dataDir, name))).buffer.slice(0));
  const readInt = async (name: string) => new Int32Array((await readFile(join(dataDir, name))).buffer.slice(0));
  const split = async (name: string) => ({
    image: await read(`${name}.image.f32`),
    promptIndex: await readInt(`${name}.prompt.i32`),
    targets: await read(`${name}.targets.f32`),
  });
  const text = { tokens: await read('tokens.f32'), mask: await read('mask.f32'), prompts: SHAPES.prompts, maxTokens: SHAPES.tokens, dim: SHAPES.dim };
  let last = train.cpuMs();
  const result = await train.trainHead({
    fusion,
    head: { hiddenUnits: SHAPES.hidden, attentionHeads: SHAPES.heads, ...head },
    epochs,
    batchSize: SHAPES.batch,
    learningRate: SHAPES.learningRate,
    seed: 0,
    reportRule: 'last',
    imageDim: SHAPES.dim,
    text,
    train: await split('train'),
    test: await split('test'),
    onEpoch: (report: { epoch: number; durationMs: number; trainLoss: number }) => {
      const now = train.cpuMs();
      const cpuMs = (now.user + now.system - last.user - last.system) / 1000;
      last = now;
      const line: EpochLine = { epoch: report.epoch, wallMs: report.durationMs, cpuMs, trainLoss: report.trainLoss };
      console.log(JSON.stringify(line));
    },
  });
  const final: FinalLine = { predictions: Array.from(result.testPredictions as Float32Array), parameters: result.parameters, backend: result.backend };
  console.log(JSON.stringify(final));
}

/** CPU time (µs, like `process.cpuUsage`) of a pid from /proc/<pid>/stat: utime and stime in clock ticks (100 per second on Linux). */
function procCpu(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After "pid (comm) ": state is field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
}

/** The Python engine this process started (`python -m agiqa_torch train`; tsx's esbuild service is a child too), or null before it starts. */
function engineChild(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const engine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('agiqa_torch');
      if (Number(ppid) === process.pid && state !== 'Z' && engine) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** The torch engine as the worker builds it (probe, then `TorchEngine.fromProbe`), one intra-op thread; CPU time is its subprocess's. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function torchTrainer(model: any) {
  const found = model.findTorchPython(process.env);
  if (found === null) throw new Error('no Python for the torch engine: set AGIQA_PYTHON or run bash tools/setup-python.sh');
  const probe = await model.probeTorch(found.python, 'cpu');
  const engine = model.TorchEngine.fromProbe(found.python, probe, { threads: 1 });
  let child: number | null = null;
  return {
    trainHead: (input: object) => engine.trainHead(input),
    cpuMs: () => {
      child ??= engineChild();
      return child === null ? { user: 0, system: 0 } : procCpu(child);
    },
  };
}

/** A `git archive` of `ref` with a node_modules that resolves @agiqa/* to that checkout and everything else to ours. */
async function checkoutAt(ref: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `agiqa-${ref}-`));
  execFileSync('bash', ['-c', `git -C "${ROOT}" archive "${ref}" | tar -x -C "${dir}"`]);
  await mkdir(join(dir, 'node_modules/@agiqa'), { recursive: true });
  for (const entry of await readdir(join(ROOT, 'node_modules'))) {
    if (entry !== '@agiqa') await symlink(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const lib of await readdir(join(dir, 'libs'))) await symlink(join(dir, 'libs', lib), join(dir, 'node_modules/@agiqa', lib));
  return dir;
}

/** Writes the synthetic AGIQA-3K-shaped data set the children read (identical input for every engine). */
async function writeData(dir: string): Promise<void> {
  const { makeSyntheticFeatureTask } = await import('@agiqa/model');
  const perPrompt = Math.ceil(SHAPES.items / SHAPES.prompts); // 10
  const trainPrompts = Math.round(SHAPES.prompts * 0.8);
  const task = makeSyntheticFeatureTask({
    imageDim: SHAPES.dim,
    textDim: SHAPES.dim,
    maxTokens: SHAPES.tokens,
    trainPrompts,
    testPrompts: SHAPES.prompts - trainPrompts,
    imagesPerPrompt: perPrompt,
    seed: 3,
  });
  const trim = (split: typeof task.train, n: number) => ({
    image: split.image.subarray(0, n * SHAPES.dim),
    promptIndex: split.promptIndex.subarray(0, n),
    targets: split.targets.subarray(0, n),
  });
  const splits = { train: trim(task.train, SHAPES.train), test: trim(task.test, SHAPES.items - SHAPES.train) };
  const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  await writeFile(join(dir, 'tokens.f32'), bytes(task.text.tokens));
  await writeFile(join(dir, 'mask.f32'), bytes(task.text.mask));
  for (const [name, split] of Object.entries(splits)) {
    await writeFile(join(dir, `${name}.image.f32`), bytes(split.image));
    await writeFile(join(dir, `${name}.prompt.i32`), bytes(split.promptIndex));
    await writeFile(join(dir, `${name}.targets.f32`), bytes(split.targets));
  }
}

function runEngine(engine: Engine, row: Row, dataDir: string, epochs: number): Promise<EngineRun> {
  const { cmd, args: argv, cwd } = engine.command(row, dataDir, epochs);
  const fusion = row.name;
  return new Promise((done, fail) => {
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) return fail(new Error(`${engine.label} ${fusion} exited with ${code}: ${err.slice(-2000)}`));
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const final = lines.find((l) => 'predictions' in l) as FinalLine | undefined;
      if (final === undefined) return fail(new Error(`${engine.label} ${fusion} printed no final line: ${out.slice(-500)} ${err.slice(-1500)}`));
      done({ epochs: lines.filter((l) => 'epoch' in l) as EpochLine[], final });
    });
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function maxAbsDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) return Number.NaN;
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}

/**
 * One row per head: each engine's median s / epoch (CPU s), then for every engine after the first
 * its speed-up over the first and how far its numbers are from the first's ("—" where an engine
 * has no such head).
 */
function printTable(rows: Row[], engines: Engine[], runs: Map<string, EngineRun[]>): void {
  const header = ['head', 'parameters', ...engines.flatMap((e, i) => [`${e.label}: s / epoch (CPU s)`, ...(i > 0 ? ['speed-up (CPU)', 'max |Δ| loss', 'max |Δ| prediction'] : [])])];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const row of rows) {
    const stats = engines.map((_, i) => {
      const list = runs.get(`${row.name}/${i}`) ?? [];
      if (list.length === 0) return null;
      const later = list.flatMap((r) => r.epochs.slice(1));
      return { wall: median(later.map((e) => e.wallMs)) / 1000, cpu: median(later.map((e) => e.cpuMs)) / 1000, first: list[0] };
    });
    const parameters = stats.find((x) => x !== null)?.first.final.parameters.toLocaleString('en-US') ?? '';
    const cells: string[] = [row.name, parameters];
    const reference = stats[0];
    for (const [i, x] of stats.entries()) {
      cells.push(x ? `${x.wall.toFixed(2)} (${x.cpu.toFixed(2)})` : '—');
      if (i === 0) continue;
      if (!x || !reference) {
        cells.push('—', '—', '—');
        continue;
      }
      cells.push(`${(reference.wall / x.wall).toFixed(1)}× (${(reference.cpu / x.cpu).toFixed(1)}×)`);
      cells.push(maxAbsDiff(reference.first.epochs.map((e) => e.trainLoss), x.first.epochs.map((e) => e.trainLoss)).toExponential(1));
      cells.push(maxAbsDiff(reference.first.final.predictions, x.first.final.predictions).toExponential(1));
    }
    console.log(`| ${cells.join(' | ')} |`);
  }
}

async function runParent(): Promise<void> {
  const epochs = Number(args.epochs);
  const rounds = Number(args.rounds);
  if (!Number.isInteger(epochs) || epochs < 2) throw new Error(`--epochs must be an integer ≥ 2 (the first epoch of each process is a warm-up), got ${args.epochs}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${args.rounds}`);
  const rows = String(args.rows)
    .split(',')
    .map((name) => {
      const row = ROWS.find((r) => r.name === name);
      if (row === undefined) throw new Error(`unknown row "${name}"; valid: ${ROWS.map((r) => r.name).join(', ')}`);
      return row;
    });
  const work = await mkdtemp(join(tmpdir(), 'agiqa-heads-epoch-'));
  const tsx = (root: string, fusion: string, head: HeadOptions, dataDir: string, n: number, childEngine = 'tfjs') => ({
    cmd: process.execPath,
    args: [
      ...['--conditions', '@agiqa/source', '--import', 'tsx', join(ROOT, 'bench/heads-epoch.ts')],
      ...['--child', root, '--child-engine', childEngine, '--fusion', fusion, '--head', JSON.stringify(head), '--data', dataDir, '--epochs', String(n)],
    ],
    cwd: root,
  });
  const withShapes = (head: HeadOptions) => ({ hiddenUnits: SHAPES.hidden, attentionHeads: SHAPES.heads, ...head });
  const temporary = [work];
  const available: Record<string, () => Promise<Engine>> = {
    base: async () => {
      const root = await checkoutAt(String(args.base));
      temporary.push(root);
      return {
        label: `tfjs at ${args.base}`,
        runs: (row) => row.baseHead !== undefined,
        command: (row, d, n) => tsx(root, row.fusion, row.baseHead ?? {}, d, n),
      };
    },
    tfjs: async () => ({ label: 'tfjs (this tree)', runs: () => true, command: (row, d, n) => tsx(ROOT, row.fusion, row.head, d, n) }),
    torch: async () => ({ label: 'torch engine, 1 thread', runs: () => true, command: (row, d, n) => tsx(ROOT, row.fusion, row.head, d, n, 'torch') }),
    reference: async () => {
      const { findTorchPython } = await import('@agiqa/model');
      const found = findTorchPython(process.env);
      if (found === null) throw new Error('--engines reference needs a Python with torch: set AGIQA_PYTHON or run bash tools/setup-python.sh');
      return {
        label: 'plain PyTorch, 1 thread',
        runs: () => true,
        command: (row, d, n) => ({
          cmd: found.python,
          args: [join(ROOT, 'bench/reference/heads_epoch.py'), '--fusion', row.fusion, '--head', JSON.stringify(withShapes(row.head)), '--data', d, '--epochs', String(n)],
          cwd: ROOT,
        }),
      };
    },
  };
  const engines: Engine[] = [];
  for (const name of String(args.engines).split(',')) {
    const make = available[name];
    if (make === undefined) throw new Error(`unknown engine "${name}"; valid: ${Object.keys(available).join(', ')}`);
    engines.push(await make());
  }
  try {
    await writeData(work);
    const tf = await import('@tensorflow/tfjs');
    const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`machine: ${cpus()[0]?.model.trim()} (${cpus().length} logical cores), node ${process.version}, tfjs ${tf.version.tfjs} wasm (SIMD, one thread)`);
    console.log(`load average at start: ${load()}`);
    console.log(`AGIQA-3K shapes: ${SHAPES.train} train / ${SHAPES.items - SHAPES.train} test items, ${SHAPES.prompts} prompts, ${SHAPES.tokens} tokens, d = ${SHAPES.dim}, batch ${SHAPES.batch}, hidden ${SHAPES.hidden}, ${SHAPES.heads} heads; ${epochs} epochs per process × ${rounds} rounds\n`);

    const runs = new Map<string, EngineRun[]>(); // `${row}/${engine index}` → runs
    for (let round = 0; round < rounds; round++) {
      for (const row of rows) {
        for (const [i, engine] of engines.entries()) {
          if (!engine.runs(row)) continue;
          const run = await runEngine(engine, row, work, epochs);
          const key = `${row.name}/${i}`;
          runs.set(key, [...(runs.get(key) ?? []), run]);
          const wall = median(run.epochs.slice(1).map((e) => e.wallMs)) / 1000;
          console.error(`  round ${round + 1}: ${row.name}, ${engine.label}: ${wall.toFixed(2)} s / epoch (load ${load()})`);
        }
      }
    }
    printTable(rows, engines, runs);
    console.log(`\nload average at end: ${load()}`);
  } finally {
    for (const dir of temporary) await rm(dir, { recursive: true, force: true });
  }
}
