import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgiqaError, FUSION_NAMES, type FusionName } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { makeSyntheticFeatureTask, type SyntheticTask } from './synthetic.js';
import { reportedEpochOf, trainHead, type EpochReport, type TrainHeadInput, type TrainHeadResult } from './train-head.js';

let dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agiqa-train-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  await initTfjsBackend('wasm');
});

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

/** A small task (train 96, val 24, test 32 images) for the mechanics tests. */
const small = makeSyntheticFeatureTask({
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

function input(task: SyntheticTask, overrides: Partial<TrainHeadInput> = {}): TrainHeadInput {
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

/** Epoch reports without the wall-clock field, which is the one thing allowed to differ. */
const withoutTimes = (epochs: EpochReport[]) => epochs.map(({ durationMs: _, ...rest }) => rest);

function expectSameNumbers(a: TrainHeadResult, b: TrainHeadResult): void {
  expect(b.metrics).toEqual(a.metrics);
  expect(Array.from(b.testPredictions)).toEqual(Array.from(a.testPredictions));
  expect(withoutTimes(b.epochs)).toEqual(withoutTimes(a.epochs));
  expect(b.reportedEpoch).toBe(a.reportedEpoch);
}

async function expectRejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgiqaError);
  expect((error as AgiqaError).code).toBe('invalid_input');
  expect((error as Error).message).toMatch(message);
}

describe(trainHead.name, () => {
  describe('learning', () => {
    // MOS = quality (readable from the image) + agreement of image content with the prompt
    // (readable only by comparing image and text). Test prompts are unseen in training.
    const task = makeSyntheticFeatureTask({
      imageDim: 32,
      textDim: 48,
      maxTokens: 8,
      trainPrompts: 80,
      testPrompts: 20,
      imagesPerPrompt: 8,
      seed: 1,
    });

    it.each(FUSION_NAMES)('%s learns both quality and image-text agreement on unseen prompts', async (fusion) => {
      const result = await trainHead({
        ...input(task, { fusion, epochs: 30, batchSize: 32, seed: 0 }),
        val: undefined,
        head: { hiddenUnits: 64, attentionHeads: 4 },
      });
      expect(result.epochs[29].trainLoss).toBeLessThan(result.epochs[0].trainLoss / 2);
      // Beats a constant predictor by far, and the best predictor that sees the image alone
      // (its quality term, r ≈ 0.61 on this test split) by a clear margin.
      expect(result.metrics.srcc).toBeGreaterThan(0.5);
      expect(task.imageOnlyCeiling).toBeLessThan(0.65);
      expect(result.metrics.srcc).toBeGreaterThan(task.imageOnlyCeiling + 0.08);
    });
  });

  it('returns metrics at the last epoch, on the MOS scale, with the backend and parameter count', async () => {
    const result = await trainHead(input(small));
    expect(result.reportedEpoch).toBe(4);
    expect(result.optimistic).toBe(false);
    expect(result.backend).toBe('wasm');
    expect(result.resumedFromEpoch).toBeNull();
    expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(result.epochs.every((e) => e.val !== null && Number.isFinite(e.trainLoss))).toBe(true);
    expect(result.metrics.srcc).toBe(result.epochs[3].test.srcc);
    expect(result.metrics.plcc).toBe(result.epochs[3].test.plcc);
    expect(result.testPredictions).toHaveLength(small.test.targets.length);
    // Predictions are mapped back from standardised units: centred near the MOS mean (≈ 3).
    const mean = result.testPredictions.reduce((s, v) => s + v, 0) / result.testPredictions.length;
    expect(Math.abs(mean - 3)).toBeLessThan(1);
    // fusion (query 12×16 + 16, key/value/output 3×16×16 + 2×16) + fc1 ((12+16)×16 + 16) + fc2 (17).
    expect(result.parameters).toBe(12 * 16 + 16 + 3 * 16 * 16 + 2 * 16 + 28 * 16 + 16 + 17);
  });

  it('reports the best-on-val and best-on-test epochs, flagging best-on-test as optimistic', async () => {
    const base = input(small, { fusion: 'concat', epochs: 6 });
    const onVal = await trainHead({ ...base, reportRule: 'best-on-val' });
    const onTest = await trainHead({ ...base, reportRule: 'best-on-test' });
    const argmax = (values: number[]) => values.indexOf(Math.max(...values)) + 1;
    expect(onVal.reportedEpoch).toBe(argmax(onVal.epochs.map((e) => e.val?.srcc ?? -Infinity)));
    expect(onVal.metrics.srcc).toBe(onVal.epochs[onVal.reportedEpoch - 1].test.srcc);
    expect(onVal.optimistic).toBe(false);
    expect(onTest.reportedEpoch).toBe(argmax(onTest.epochs.map((e) => e.test.srcc)));
    expect(onTest.metrics.srcc).toBe(Math.max(...onTest.epochs.map((e) => e.test.srcc)));
    expect(onTest.optimistic).toBe(true);
    // The rule the worker applies while training (to keep the reported epoch's checkpoint) is trainHead's.
    expect(reportedEpochOf('best-on-val', onVal.epochs)).toBe(onVal.reportedEpoch);
    expect(reportedEpochOf('best-on-test', onTest.epochs)).toBe(onTest.reportedEpoch);
    expect(reportedEpochOf('last', onVal.epochs)).toBe(6);
  });

  it('picks the earliest of tied best epochs, never a NaN one, and none before an epoch', () => {
    const epoch = (n: number, val: number, test: number) => ({ epoch: n, val: { srcc: val, plcc: 0 }, test: { srcc: test, plcc: 0 } });
    const history = [epoch(1, 0.2, 0.5), epoch(2, 0.6, Number.NaN), epoch(3, 0.6, 0.5), epoch(4, Number.NaN, 0.1)];
    expect(reportedEpochOf('best-on-val', history)).toBe(2);
    expect(reportedEpochOf('best-on-test', history)).toBe(1);
    expect(reportedEpochOf('best-on-val', [])).toBeNull();
  });

  it('gives bit-identical numbers for the same seed on the same backend, and different ones for another seed', async () => {
    const a = await trainHead(input(small));
    const b = await trainHead(input(small));
    expectSameNumbers(a, b);
    const c = await trainHead(input(small, { seed: 12 }));
    expect(Array.from(c.testPredictions)).not.toEqual(Array.from(a.testPredictions));
  });

  it.each(FUSION_NAMES)(
    '%s: crash after epoch 3, resume from the checkpoint → exactly the uninterrupted 6-epoch numbers',
    async (fusion: FusionName) => {
      const base = input(small, { fusion, epochs: 6, reportRule: 'best-on-val' });
      const uninterrupted = await trainHead({ ...base, checkpointDir: await tempDir() });

      const dir = await tempDir();
      let lastCheckpoint: string | null = null;
      const crash = trainHead({
        ...base,
        checkpointDir: dir,
        onEpoch: (report, checkpoint) => {
          lastCheckpoint = checkpoint;
          if (report.epoch === 3) throw new Error('worker lost');
        },
      });
      await expect(crash).rejects.toThrow('worker lost');
      expect(lastCheckpoint).toBe(`file://${join(dir, CHECKPOINT_FILE)}`);

      const reported: number[] = [];
      const resumed = await trainHead({
        ...base,
        checkpointDir: dir,
        resumeFrom: lastCheckpoint ?? '',
        onEpoch: (report) => {
          reported.push(report.epoch);
        },
      });
      expect(resumed.resumedFromEpoch).toBe(3);
      expect(reported).toEqual([4, 5, 6]);
      expectSameNumbers(uninterrupted, resumed);
    },
  );

  it('accepts a plain path for resumeFrom and finishes without training when the checkpoint is at the last epoch', async () => {
    const dir = await tempDir();
    const full = await trainHead({ ...input(small), checkpointDir: dir });
    let called = false;
    const again = await trainHead({
      ...input(small),
      resumeFrom: join(dir, CHECKPOINT_FILE),
      onEpoch: () => {
        called = true;
      },
    });
    expect(called).toBe(false);
    expect(again.resumedFromEpoch).toBe(4);
    expectSameNumbers(full, again);
  });

  it('starts over, saying why, instead of resuming a checkpoint written on another backend', async () => {
    const dir = await tempDir();
    const fresh = await trainHead({ ...input(small), checkpointDir: dir });
    // The same checkpoint, as a worker on another backend would have left it.
    const { header, arrays } = await readCheckpoint<{ backend: string; arrays: unknown }>(join(dir, CHECKPOINT_FILE));
    const { arrays: _index, ...rest } = header;
    const other = await tempDir();
    await writeCheckpoint(other, { ...rest, backend: 'tensorflow-gpu' }, [...arrays]);
    const again = await trainHead({ ...input(small), resumeFrom: join(other, CHECKPOINT_FILE) });
    expect(again.resumedFromEpoch).toBeNull();
    expect(again.resumeSkipped).toMatch(/written on the tensorflow-gpu backend; this run uses wasm, so it starts over/);
    expectSameNumbers(fresh, again);
  });

  it('writes checkpoints atomically, leaving only the latest file', async () => {
    const dir = await tempDir();
    const uris: (string | null)[] = [];
    await trainHead({ ...input(small, { epochs: 2 }), checkpointDir: dir, onEpoch: (_, uri) => void uris.push(uri) });
    expect(await readdir(dir)).toEqual([CHECKPOINT_FILE]);
    expect(uris).toHaveLength(2);
    expect(fileURLToPath(uris[1] ?? '')).toBe(join(dir, CHECKPOINT_FILE));
  });

  it('refuses a checkpoint written by a different run, naming what differs', async () => {
    const dir = await tempDir();
    await trainHead({ ...input(small, { epochs: 1 }), checkpointDir: dir });
    const resumeFrom = join(dir, CHECKPOINT_FILE);
    await expectRejects(
      trainHead({ ...input(small), batchSize: 8, resumeFrom }),
      /written by a different run \(batchSize: checkpoint 16, this run 8\)/,
    );
    const otherTargets = { ...small.test, targets: small.test.targets.map((y) => y + 1) };
    await expectRejects(trainHead({ ...input(small), test: otherTargets, resumeFrom }), /features or targets differ/);
    const corrupt = join(dir, 'corrupt.ckpt');
    await writeFile(corrupt, 'not a checkpoint');
    await expectRejects(trainHead({ ...input(small), resumeFrom: corrupt }), /missing the AGQCKPT1 signature/);
  });

  it('rejects malformed input naming the field', async () => {
    await expectRejects(trainHead({ ...input(small), reportRule: 'best-on-val', val: undefined }), /reportRule "best-on-val" needs a val split/);
    const badIndex = { ...small.train, promptIndex: small.train.promptIndex.map((p, i) => (i === 5 ? 99 : p)) };
    await expectRejects(trainHead({ ...input(small), train: badIndex }), /train.promptIndex\[5\] = 99 is outside the text table \(19 prompts\)/);
    await expectRejects(
      trainHead({ ...input(small), test: { ...small.test, image: small.test.image.subarray(1) } }),
      /test.image must hold \[n, imageDim\] = \[32, 12\]/,
    );
    await expectRejects(
      trainHead({ ...input(small), test: { ...small.test, targets: small.test.targets.map(() => 2) } }),
      /test.targets are all 2: correlations are undefined/,
    );
    await expectRejects(trainHead({ ...input(small), head: { cosineReduce: 'median' as never } }), /head.cosineReduce/);
    await expectRejects(trainHead({ ...input(small), epochs: 0 }), /epochs must be a positive integer, got 0/);
  });

  it('leaves no tensor behind: after a run, a crashed run, and an aborted run', async () => {
    const before = tf.memory().numTensors;
    await trainHead({ ...input(small, { epochs: 2 }), checkpointDir: await tempDir() });
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      trainHead({
        ...input(small, { epochs: 3 }),
        onEpoch: () => {
          throw new Error('cancelled');
        },
      }),
    ).rejects.toThrow('cancelled');
    expect(tf.memory().numTensors).toBe(before);
    const controller = new AbortController();
    controller.abort(new Error('activity cancelled'));
    await expect(trainHead({ ...input(small), signal: controller.signal })).rejects.toThrow('activity cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });
});
