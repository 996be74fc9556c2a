import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '@agiqa/orchestration';
import { torchAvailable } from '@agiqa/model/testing';
import { startHarness, tinyGrid, type Harness } from '../testing/harness.js';
import type { SweepOutcome } from './types.js';

// The grid's `trainer` through the real pipeline: a Temporal dev server, PGlite, the tiny encoders
// and in-process workers whose torch engine is the Python package run as a subprocess.
const torch = torchAvailable();

describe.skipIf(!torch.ok)(`grids with trainer torch / auto${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
  let h: Harness;
  let stopWorkers: () => Promise<void>;

  beforeAll(async () => {
    h = await startHarness({ torch: true });
    stopWorkers = await h.startWorkers();
  }, 300_000);
  afterAll(async () => {
    await stopWorkers?.();
    await h?.close();
  });

  async function runSweep(grid: Parameters<Harness['newSweep']>[0]): Promise<{ outcome: SweepOutcome; runIds: string[] }> {
    const { sweepId, runIds } = await h.newSweep(grid);
    const handle = await startSweep(h.env.client, { sweepId, taskQueue: h.cpuQueue });
    return { outcome: (await h.env.client.workflow.getHandle(handle.workflowId).result()) as SweepOutcome, runIds };
  }

  it('records torch, its version, the device and the dtype in every run row of a trainer torch sweep', async () => {
    const { outcome, runIds } = await runSweep(tinyGrid({ trainer: 'torch', fusions: ['concat', 'cosine', 'cross_attention'], epochs: 3 }));
    expect(outcome.status).toBe('completed');
    const prisma = h.db.prisma;
    const runs = await prisma.run.findMany({ where: { id: { in: runIds } }, include: { splitManifest: true } });
    expect(runs).toHaveLength(3);
    for (const run of runs) {
      expect(run).toMatchObject({ status: 'completed', engine: 'torch', backend: 'torch-cpu', device: 'cpu', dtype: 'float32', epochsDone: 3, reportedEpoch: 3 });
      expect(run.engineVersion).toMatch(/^2\.\d+\.\d+/);
      expect(run.deviceName).toEqual(expect.any(String));
      // No GPU was used, so the run names none (whatever GPUs the host has).
      expect(run.machine).toMatchObject({ gpu: null, gpuQueue: h.gpuQueue });
      expect(run.srcc).toEqual(expect.any(Number));
      const epochs = await prisma.epochMetric.findMany({ where: { runId: run.id }, orderBy: { epoch: 'asc' } });
      expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
      expect(await prisma.prediction.count({ where: { runId: run.id } })).toBe(run.splitManifest?.testKeys.length);
    }
  }, 600_000);

  it('auto trains with torch on a worker that has it, and tfjs when the grid says tfjs', async () => {
    const auto = await runSweep(tinyGrid({ trainer: 'auto', seeds: [3] }));
    const tfjs = await runSweep(tinyGrid({ trainer: 'tfjs', seeds: [3] }));
    const [autoRun, tfjsRun] = await Promise.all([auto.runIds[0], tfjs.runIds[0]].map((id) => h.db.prisma.run.findUniqueOrThrow({ where: { id } })));
    expect(autoRun).toMatchObject({ status: 'completed', engine: 'torch' });
    expect(tfjsRun).toMatchObject({ status: 'completed', engine: 'tfjs', backend: 'wasm', device: 'cpu' });
    expect(tfjsRun.engineVersion).toMatch(/^4\.\d+/);
  }, 600_000);

  it('fine-tunes tiny BERT and the tiny CLIP vision tower end to end with the head through the worker; the loss falls', async () => {
    const extracted = { ...h.extractions };
    const { outcome, runIds } = await runSweep(
      tinyGrid({ trainingMode: 'finetune', trainer: 'auto', fusions: ['concat', 'cross_attention'], epochs: 5, learningRate: 2e-3, finetune: { encoderLearningRate: 5e-4 } }),
    );
    expect(outcome.status).toBe('completed');
    // No feature extraction: the encoders train on the images and prompts themselves.
    expect(h.extractions).toEqual(extracted);
    const prisma = h.db.prisma;
    for (const runId of runIds) {
      const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { splitManifest: true } });
      // bf16 autocast is a GPU option: on this CPU the run computed, and records, float32.
      expect(run).toMatchObject({ status: 'completed', trainingMode: 'finetune', engine: 'torch', device: 'cpu', dtype: 'float32', epochsDone: 5 });
      expect(run.config).toMatchObject({ trainingMode: 'finetune', finetune: { encoderLearningRate: 5e-4, frozenLayers: 0, bf16: true, gradientCheckpointing: false } });
      const losses = (await prisma.epochMetric.findMany({ where: { runId }, orderBy: { epoch: 'asc' } })).map((e) => e.trainLoss);
      expect(losses).toHaveLength(5);
      expect(losses[4]).toBeLessThan(losses[0]);
      expect(await prisma.prediction.count({ where: { runId } })).toBe(run.splitManifest?.testKeys.length);
    }
  }, 600_000);

  it('fails a trainer torch cell at once, with the reason, on a worker without torch', async () => {
    const engines = h.deps.engines;
    if (!engines) throw new Error('the harness worker has no engines');
    h.deps.engines = { ...engines, torch: null, torchMissing: 'no Python for the torch engine (set AGIQA_PYTHON, or run bash tools/setup-python.sh)' };
    try {
      const { outcome, runIds } = await runSweep(tinyGrid({ trainer: 'torch', seeds: [4] }));
      expect(outcome.status).toBe('failed');
      const run = await h.db.prisma.run.findUniqueOrThrow({ where: { id: runIds[0] }, include: { attemptsLog: true } });
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/trainer "torch", but worker on .* has no torch engine: no Python for the torch engine/);
    } finally {
      h.deps.engines = engines;
    }
  }, 600_000);
});
