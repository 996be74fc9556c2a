import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgiqaError, FUSION_NAMES } from '@agiqa/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { torchAvailable } from '../testing/torch.js';
import { restoreHead, type HeadInputBatch } from '../training/restore-head.js';
import { makeSyntheticFeatureTask } from '../training/synthetic.js';
import type { EpochReport } from '../training/epoch-ledger.js';
import type { TrainHeadInput } from '../training/train-head.js';
import type { EngineResult } from './engine.js';
import { readSafetensors } from './safetensors.js';
import { TORCH_CHECKPOINT_FILE, TorchEngine } from './torch-engine.js';
import { probeTorch } from './torch-python.js';

const torch = torchAvailable();

const task = makeSyntheticFeatureTask({
  imageDim: 12,
  textDim: 16,
  maxTokens: 5,
  trainPrompts: 12,
  valPrompts: 3,
  testPrompts: 4,
  imagesPerPrompt: 8,
  latentDim: 6,
  seed: 2,
});

function input(overrides: Partial<TrainHeadInput> = {}): TrainHeadInput {
  return {
    fusion: 'cross_attention',
    head: { hiddenUnits: 16, attentionHeads: 4 },
    epochs: 4,
    batchSize: 16,
    learningRate: 3e-3,
    seed: 11,
    reportRule: 'last',
    imageDim: task.imageDim,
    text: task.text,
    train: task.train,
    val: task.val,
    test: task.test,
    ...overrides,
  };
}

/** The test split as encoders hand it to a restored head: one row per image, its prompt's tokens. */
function testBatch(): HeadInputBatch {
  const n = task.test.targets.length;
  const { maxTokens, dim } = task.text;
  const tokens = new Float32Array(n * maxTokens * dim);
  const lengths: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = task.test.promptIndex[i];
    tokens.set(task.text.tokens.subarray(p * maxTokens * dim, (p + 1) * maxTokens * dim), i * maxTokens * dim);
    lengths.push(task.text.mask.subarray(p * maxTokens, (p + 1) * maxTokens).reduce((a, b) => a + b, 0));
  }
  return { batch: n, image: task.test.image, tokens, tokensPerRow: maxTokens, lengths };
}

const withoutTimes = (epochs: EpochReport[]) => epochs.map(({ durationMs: _, ...rest }) => rest);

function expectSameNumbers(a: EngineResult, b: EngineResult): void {
  expect(b.metrics).toEqual(a.metrics);
  expect(Array.from(b.testPredictions)).toEqual(Array.from(a.testPredictions));
  expect(withoutTimes(b.epochs)).toEqual(withoutTimes(a.epochs));
}

describe.skipIf(!torch.ok)(`${TorchEngine.name}${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
  let engine: TorchEngine;
  const dirs: string[] = [];
  const newDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agiqa-torch-engine-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    const python = (torch as { python: string }).python;
    engine = TorchEngine.fromProbe(python, await probeTorch(python, 'cpu'), { threads: 1 });
  }, 300_000);

  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it.each(FUSION_NAMES)('%s: trains in Python, reports every epoch through onEpoch with its checkpoint, and records torch on the CPU', async (fusion) => {
    const checkpointDir = await newDir();
    const seen: [number, string | null][] = [];
    const result = await engine.trainHead(input({ fusion, checkpointDir, reportRule: 'best-on-val', onEpoch: (r, c) => void seen.push([r.epoch, c]) }));
    expect(seen.map(([e]) => e)).toEqual([1, 2, 3, 4]);
    expect(seen.every(([, c]) => c?.startsWith('file://') && c.endsWith(`/${TORCH_CHECKPOINT_FILE}`))).toBe(true);
    expect(result.epochs).toHaveLength(4);
    expect(result.epochs[3].trainLoss).toBeLessThan(result.epochs[0].trainLoss);
    expect(result.testPredictions).toHaveLength(task.test.targets.length);
    expect(result.epochs.every((e) => e.val !== null)).toBe(true);
    expect(result.reportRule).toBe('best-on-val');
    expect(result.metrics.srcc).toBeGreaterThan(-1);
    expect(result.run).toMatchObject({ engine: 'torch', backend: 'torch-cpu', dtype: 'float32', device: { kind: 'cpu' } });
    expect(result.run.engineVersion).toMatch(/^2\.\d+/);
    expect(result.parameters).toBeGreaterThan(0);
    expect(await readdir(checkpointDir)).toEqual([TORCH_CHECKPOINT_FILE]);
  }, 120_000);

  it('ends a run resumed after a crash with the numbers of an uninterrupted run', async () => {
    const uninterrupted = await engine.trainHead(input({ epochs: 5, checkpointDir: await newDir() }));
    const checkpointDir = await newDir();
    // A crash after epoch 2: onEpoch throws, the engine is terminated with its checkpoint on disk.
    const crash = await engine
      .trainHead(input({ epochs: 5, checkpointDir, onEpoch: (r) => { if (r.epoch === 2) throw new Error('worker lost'); } }))
      .catch((e: unknown) => e);
    expect((crash as Error).message).toBe('worker lost');
    const resumedEpochs: number[] = [];
    const resumed = await engine.trainHead(
      input({ epochs: 5, checkpointDir, resumeFrom: join(checkpointDir, TORCH_CHECKPOINT_FILE), onEpoch: (r) => void resumedEpochs.push(r.epoch) }),
    );
    expect(resumed.resumedFromEpoch).toBeGreaterThanOrEqual(2);
    expect(resumedEpochs).toEqual([3, 4, 5].slice((resumed.resumedFromEpoch ?? 0) - 2));
    expectSameNumbers(uninterrupted, resumed);
  }, 120_000);

  it('keeps each epoch\'s checkpoint in place until onEpoch has finished with it', async () => {
    // onEpoch uploads the file while the engine trains on: a slow upload must still read the
    // epoch it was given, not a later epoch renamed over it.
    const read: [number, number][] = [];
    const onEpoch = async (report: EpochReport, checkpoint: string | null) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const header = JSON.parse((await readSafetensors(fileURLToPath(checkpoint ?? ''))).metadata['agiqa'] ?? '{}') as { epoch?: number };
      read.push([report.epoch, header.epoch ?? -1]);
    };
    await engine.trainHead(input({ epochs: 4, checkpointDir: await newDir(), onEpoch }));
    expect(read).toEqual([[1, 1], [2, 2], [3, 3], [4, 4]]);
  });

  it.each(FUSION_NAMES)('%s: its checkpoint restores as a tfjs head that predicts what the torch engine predicted', async (fusion) => {
    await initTfjsBackend('cpu');
    const checkpointDir = await newDir();
    const result = await engine.trainHead(input({ fusion, epochs: 2, checkpointDir }));
    // Under another name, as the artefact store's cached copy of an S3 object is: read by content.
    const copy = join(await newDir(), 'cached-object');
    await copyFile(join(checkpointDir, TORCH_CHECKPOINT_FILE), copy);
    const head = await restoreHead(copy);
    try {
      expect(head).toMatchObject({ fusion, epoch: 2, dims: { image: task.imageDim, text: task.text.dim, maxTokens: task.text.maxTokens } });
      const predicted = await head.predict(testBatch());
      let worst = 0;
      predicted.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - result.testPredictions[i]))));
      expect(worst).toBeLessThan(1e-4);
    } finally {
      head.dispose();
    }
  }, 120_000);

  it('stops promptly when cancelled and leaves only a complete checkpoint', async () => {
    const checkpointDir = await newDir();
    const controller = new AbortController();
    const started = Date.now();
    const outcome = await engine
      .trainHead(input({ epochs: 10_000, checkpointDir, signal: controller.signal, onEpoch: (r) => { if (r.epoch === 2) controller.abort(new Error('cancelled')); } }))
      .catch((e: unknown) => e);
    expect((outcome as Error).message).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await readdir(checkpointDir)).toEqual([TORCH_CHECKPOINT_FILE]);
  }, 120_000);

  it('reports bad options as invalid_input with the engine message, and bad arrays before starting Python', async () => {
    const bad = await engine.trainHead(input({ head: { attentionHeads: 3 } })).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AgiqaError);
    expect((bad as AgiqaError).code).toBe('invalid_input');
    expect((bad as Error).message).toMatch(/head.attentionHeads 3 must divide the text width 16/);
    const short = await engine.trainHead(input({ imageDim: 11 })).catch((e: unknown) => e);
    expect((short as AgiqaError).message).toMatch(/train.image must hold/);
  }, 120_000);

  it('refuses to exist on a device its probe did not prove', async () => {
    const probe = await probeTorch((torch as { python: string }).python, 'cuda');
    if (probe.cudaAvailable) return expect(probe.ok).toBe(true); // a machine with a GPU proves it instead
    expect(probe.ok).toBe(false);
    expect(probe.cpu.kind).toBe('cpu');
    expect(() => TorchEngine.fromProbe('python3', probe)).toThrow(/the torch engine cannot run: torch sees no CUDA device/);
  }, 120_000);
});
