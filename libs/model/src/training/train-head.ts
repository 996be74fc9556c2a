import { createHash } from 'node:crypto';
import {
  createRng,
  HeadOptionsSchema,
  invalidInput,
  permutation,
  REPORT_RULES,
  type FusionName,
  type HeadOptions,
  type ReportRule,
} from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { activeTfjsBackend } from '../backend/backend.js';
import { buildHead, recordedHeadOptions } from '../fusion/head.js';
import { Adam } from './adam.js';
import { BatchAssembler, columnTensor } from './batches.js';
import { readCheckpoint, writeCheckpoint, type CheckpointContent } from './checkpoint.js';
import { EpochLedger, isConstant, type BestEpoch, type EpochReport, type LedgerResult } from './epoch-ledger.js';

export type { EpochReport } from './epoch-ledger.js';
export { isBetterEpoch, reportedEpochOf } from './epoch-ledger.js';

/**
 * Text features of every prompt, padded to N tokens. Images refer to rows by index, so a prompt's
 * tokens are stored once however many images share it (AGIQA-3K: ~10 images per prompt).
 */
export interface TextTable {
  /** `[P, N, dT]`, row-major. */
  tokens: Float32Array;
  /** `[P, N]`: 1 = token, 0 = padding. */
  mask: Float32Array;
  /** P */
  prompts: number;
  /** N */
  maxTokens: number;
  /** dT */
  dim: number;
}

/** One split (train, val or test). */
export interface SplitData {
  /** `[n, dI]` image features, row-major. */
  image: Float32Array;
  /** `[n]`: row of the `TextTable` holding each image's prompt. */
  promptIndex: Int32Array;
  /** `[n]` MOS. */
  targets: Float32Array;
}

export interface TrainHeadInput {
  fusion: FusionName;
  head: Partial<HeadOptions>;
  /** Paper: 100. */
  epochs: number;
  batchSize: number;
  /** Adam step size. Paper: 1e-4. */
  learningRate: number;
  /** Seeds the weight initialisation and every epoch's shuffle. */
  seed: number;
  reportRule: ReportRule;
  /** dI */
  imageDim: number;
  text: TextTable;
  train: SplitData;
  /** Needed by the `best-on-val` rule. */
  val?: SplitData;
  test: SplitData;
  /** Write a checkpoint here after every epoch (atomically; only the latest is kept). */
  checkpointDir?: string;
  /** Path or `file://` URI of a checkpoint of this same run, written by an earlier attempt. */
  resumeFrom?: string;
  /**
   * Called after every epoch trained in this call, after its checkpoint is durable (`checkpoint`
   * is its URI, or null without `checkpointDir`). Epochs restored from a checkpoint are not
   * reported again. Throwing (e.g. on cancellation) stops training promptly; tensors are freed.
   */
  onEpoch?: (report: EpochReport, checkpoint: string | null) => Promise<void> | void;
  /** Aborting stops training between batches with the signal's reason. */
  signal?: AbortSignal;
}

/** The ledger's result (`epochs`: every epoch, including those before a resume, read from the checkpoint) and the run's own facts. */
export interface TrainHeadResult extends LedgerResult {
  /** tfjs backend that ran this call (see `activeTfjsBackend`). */
  backend: string;
  /** Trainable parameters of the head. */
  parameters: number;
  /** Epoch the checkpoint given in `resumeFrom` had reached, or null for a fresh run. */
  resumedFromEpoch: number | null;
  /**
   * Why a `resumeFrom` checkpoint was not used, when it was not: it was written on another tfjs
   * backend, whose float arithmetic differs, so continuing it would give numbers that neither
   * backend's uninterrupted run gives. The run then starts over on this backend.
   */
  resumeSkipped: string | null;
}

/** Batches of this many items when predicting (memory only; does not change results). */
const PREDICT_BATCH = 256;

/** What must be equal for a checkpoint to continue this run. */
export interface RunIdentity {
  fusion: FusionName;
  head: HeadOptions;
  imageDim: number;
  textDim: number;
  maxTokens: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** sha256 of every feature, index and target array. */
  data: string;
}

export interface CheckpointHeader {
  format: 'agiqa-head-checkpoint';
  version: 1;
  identity: RunIdentity;
  backend: string;
  epoch: number;
  adamStep: number;
  targetMean: number;
  targetStd: number;
  history: EpochReport[];
  bestVal: BestEpoch | null;
  bestTest: BestEpoch | null;
  weightShapes: number[][];
}

/**
 * Trains a fusion head on cached features with Adam on MSE, evaluating SRCC/PLCC on val and test
 * after every epoch, and reports test metrics at the epoch chosen by `reportRule`.
 *
 * Decisions (documented defaults):
 * - Targets are standardised with the train split's mean and std for training, and predictions
 *   mapped back to the MOS scale. MOS scales differ across datasets (0–5, 0–100); standardising
 *   makes lr 1e-4 behave alike on all of them and spares the head learning a large offset first.
 *   Correlations are unaffected; RMSE is reported on the MOS scale.
 * - Shuffling: a permutation per epoch drawn from the stream (seed, epoch), so epoch k sees the
 *   same order whether or not the run was resumed. The last batch may be smaller.
 * - Metrics, best epochs and the reported epoch: `EpochLedger` (shared with the torch engine).
 *
 * Same inputs, same backend → bit-identical numbers; a run resumed from its epoch-k checkpoint
 * ends with exactly the numbers of an uninterrupted run. Memory: text features are gathered per
 * batch from the `[P, N, dT]` table, never expanded to `[n, N, dT]`.
 *
 * @throws AgiqaError `invalid_input` naming the field for malformed input or a checkpoint of a
 *   different run.
 */
export async function trainHead(input: TrainHeadInput): Promise<TrainHeadResult> {
  const head = validateTrainHeadInput(input);
  const identity: RunIdentity = {
    fusion: input.fusion,
    head,
    imageDim: input.imageDim,
    textDim: input.text.dim,
    maxTokens: input.text.maxTokens,
    batchSize: input.batchSize,
    learningRate: input.learningRate,
    seed: input.seed,
    data: dataHash(input),
  };
  const { mean: targetMean, std: targetStd } = meanStd(input.train.targets);

  let model: tf.LayersModel | null = null;
  let adam: Adam | null = null;
  try {
    model = buildHead(
      input.fusion,
      head,
      { image: input.imageDim, text: input.text.dim, maxTokens: input.text.maxTokens },
      { seed: input.seed },
    );
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    adam = new Adam(variables, { learningRate: input.learningRate });

    const { text, train, test } = input;
    const val = input.val ?? null;
    const standardised = Float32Array.from(input.train.targets, (y) => (y - targetMean) / targetStd); // [n]
    const trainBatches = new BatchAssembler(text, input.imageDim, input.batchSize);
    const largestEval = Math.max(test.targets.length, val?.targets.length ?? 0);
    const predictBatches = new BatchAssembler(text, input.imageDim, Math.min(PREDICT_BATCH, largestEval));

    const predictSplit = async (split: SplitData): Promise<Float32Array> => {
      const n = split.targets.length;
      const out = new Float32Array(n);
      for (let start = 0; start < n; start += PREDICT_BATCH) {
        const count = Math.min(PREDICT_BATCH, n - start);
        const rows = Int32Array.from({ length: count }, (_, i) => start + i);
        const batch = tf.tidy(
          () => (model as tf.LayersModel).apply(predictBatches.inputs(split, rows), { training: false }) as tf.Tensor,
        );
        const values = await batch.data();
        batch.dispose();
        for (let i = 0; i < count; i++) out[start + i] = values[i] * targetStd + targetMean;
      }
      return out;
    };

    // Metrics, best epochs and the reported epoch: state that a checkpoint carries.
    const ledger = new EpochLedger({ test: test.targets, ...(val ? { val: val.targets } : {}) }, input.reportRule);
    let startEpoch = 1;
    let resumedFromEpoch: number | null = null;

    let resumeSkipped: string | null = null;
    const checkpoint = input.resumeFrom !== undefined ? await readHeadCheckpoint(input.resumeFrom) : null;
    if (checkpoint && checkpoint.header.backend !== activeTfjsBackend()) {
      resumeSkipped = `checkpoint ${input.resumeFrom} was written on the ${checkpoint.header.backend} backend; this run uses ${activeTfjsBackend()}, so it starts over`;
    } else if (checkpoint) {
      const { header, arrays } = checkpoint;
      assertSameRun(header, identity, input.resumeFrom as string);
      if (header.epoch > input.epochs) {
        throw invalidInput(`checkpoint ${input.resumeFrom} is at epoch ${header.epoch}, past this run's ${input.epochs} epochs`, [
          { path: 'epochs', message: `must be ≥ ${header.epoch} to resume this checkpoint` },
        ]);
      }
      const stored = (name: string, length: number): Float32Array => {
        const values = arrays.get(name);
        if (values === undefined || values.length !== length) {
          throw invalidInput(`checkpoint ${input.resumeFrom} lacks "${name}" with ${length} values`, [
            { path: 'resumeFrom', message: `missing or mis-sized ${name}` },
          ]);
        }
        return values;
      };
      const restored = model.weights.map((w, i) => tf.tensor(stored(`weight/${i}`, tf.util.sizeFromShape(w.shape as number[])), w.shape as number[]));
      model.setWeights(restored);
      tf.dispose(restored);
      adam.importState({
        step: header.adamStep,
        m: variables.map((v, i) => stored(`adam/m/${i}`, v.size)),
        v: variables.map((v, i) => stored(`adam/v/${i}`, v.size)),
      });
      ledger.restore({
        history: header.history,
        bestVal: header.bestVal,
        bestTest: header.bestTest,
        lastPredictions: stored('predictions/last', test.targets.length),
        bestValPredictions: header.bestVal ? stored('predictions/best-val', test.targets.length) : null,
        bestTestPredictions: header.bestTest ? stored('predictions/best-test', test.targets.length) : null,
      });
      startEpoch = header.epoch + 1;
      resumedFromEpoch = header.epoch;
    }

    for (let epoch = startEpoch; epoch <= input.epochs; epoch++) {
      const started = performance.now();
      const order = permutation(train.targets.length, createRng(input.seed, epoch));
      let lossSum = 0;
      for (let start = 0; start < train.targets.length; start += input.batchSize) {
        throwIfAborted(input.signal);
        const idxValues = order.subarray(start, Math.min(start + input.batchSize, train.targets.length));
        const loss = tf.tidy(() => {
          const xs = trainBatches.inputs(train, idxValues);
          const y = columnTensor(standardised, idxValues); // [b, 1]
          const { value, grads } = tf.variableGrads(() => {
            const predicted = (model as tf.LayersModel).apply(xs, { training: true }) as tf.Tensor; // [b, 1]
            return tf.mean(tf.squaredDifference(predicted, y)) as tf.Scalar;
          }, variables);
          (adam as Adam).applyGradients(variables.map((v) => grads[v.name]));
          return value;
        });
        const [lossValue] = await loss.data();
        loss.dispose();
        lossSum += lossValue * idxValues.length;
        // Let heartbeats, abort signals and other I/O through between batches.
        await new Promise<void>((done) => setImmediate(done));
      }
      throwIfAborted(input.signal);

      const testPredictions = await predictSplit(test);
      const valPredictions = val ? await predictSplit(val) : null;
      const report = ledger.record({
        epoch,
        trainLoss: lossSum / train.targets.length,
        test: testPredictions,
        val: valPredictions,
        durationMs: Math.round(performance.now() - started),
      });

      let checkpoint: string | null = null;
      if (input.checkpointDir !== undefined) {
        const state = await adam.exportState();
        const { history, bestVal, bestTest, lastPredictions, bestValPredictions, bestTestPredictions } = ledger.snapshot();
        const weightValues = await Promise.all(model.weights.map(async (w) => Float32Array.from(await w.read().data())));
        const header: CheckpointHeader = {
          format: 'agiqa-head-checkpoint',
          version: 1,
          identity,
          backend: activeTfjsBackend(),
          epoch,
          adamStep: state.step,
          targetMean,
          targetStd,
          history,
          bestVal,
          bestTest,
          weightShapes: model.weights.map((w) => w.shape as number[]),
        };
        const arrays: [string, Float32Array][] = [
          ...weightValues.map((values, i): [string, Float32Array] => [`weight/${i}`, values]),
          ...state.m.map((values, i): [string, Float32Array] => [`adam/m/${i}`, values]),
          ...state.v.map((values, i): [string, Float32Array] => [`adam/v/${i}`, values]),
          ['predictions/last', lastPredictions as Float32Array],
        ];
        if (bestValPredictions) arrays.push(['predictions/best-val', bestValPredictions]);
        if (bestTestPredictions) arrays.push(['predictions/best-test', bestTestPredictions]);
        checkpoint = await writeCheckpoint(input.checkpointDir, header, arrays);
      }
      await input.onEpoch?.(report, checkpoint);
    }

    return {
      ...ledger.result(),
      backend: activeTfjsBackend(),
      parameters: model.countParams(),
      resumedFromEpoch,
      resumeSkipped,
    };
  } finally {
    adam?.dispose();
    model?.dispose();
  }
}

/**
 * Reads a checkpoint written by `trainHead`, its head options read with the equations the run
 * used (`recordedHeadOptions`: checkpoints from before an option existed keep their meaning).
 */
export async function readHeadCheckpoint(pathOrUri: string): Promise<CheckpointContent<CheckpointHeader>> {
  const content = await readCheckpoint<CheckpointHeader>(pathOrUri);
  const identity = content.header.identity as RunIdentity | undefined;
  if (content.header.format === 'agiqa-head-checkpoint' && identity) {
    identity.head = recordedHeadOptions(identity.head, { image: identity.imageDim, text: identity.textDim });
  }
  return content;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new DOMException('training was aborted', 'AbortError');
  }
}

function meanStd(values: Float32Array): { mean: number; std: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / values.length) };
}

function dataHash(input: TrainHeadInput): string {
  const hash = createHash('sha256');
  const add = (a: ArrayBufferView) => hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  add(input.text.tokens);
  add(input.text.mask);
  for (const split of [input.train, input.val, input.test]) {
    if (!split) {
      hash.update('none');
      continue;
    }
    add(split.image);
    add(split.promptIndex);
    add(split.targets);
  }
  return hash.digest('hex');
}

function assertSameRun(header: CheckpointHeader, identity: RunIdentity, source: string): void {
  if (header.format !== 'agiqa-head-checkpoint' || header.version !== 1) {
    throw invalidInput(`${source} is not a version-1 head checkpoint`, [{ path: 'resumeFrom', message: 'unknown format' }]);
  }
  const differences: string[] = [];
  for (const key of Object.keys(identity) as (keyof RunIdentity)[]) {
    const was = JSON.stringify(header.identity[key]);
    const now = JSON.stringify(identity[key]);
    if (was !== now) differences.push(key === 'data' ? 'features or targets differ' : `${key}: checkpoint ${was}, this run ${now}`);
  }
  if (differences.length > 0) {
    throw invalidInput(`checkpoint ${source} was written by a different run (${differences.join('; ')})`, [
      { path: 'resumeFrom', message: differences.join('; ') },
    ]);
  }
}

function fail(path: string, message: string): never {
  throw invalidInput(`${path} ${message}`, [{ path, message }]);
}

function positiveInt(value: number, path: string): void {
  if (!Number.isInteger(value) || value < 1) fail(path, `must be a positive integer, got ${value}`);
}

function expectLength(array: ArrayLike<number>, length: number, path: string, shape: string): void {
  if (array.length !== length) fail(path, `must hold ${shape} = ${length} values, got ${array.length}`);
}

function assertFinite(values: Float32Array, path: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) fail(`${path}[${i}]`, `is not finite (${values[i]})`);
  }
}

/** The options every training call shares, whatever its data (head on features, or fine-tuning). */
export interface RunOptions {
  head: Partial<HeadOptions>;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  reportRule: ReportRule;
}

/**
 * Checks the options every training call shares; returns the head options with defaults applied.
 *
 * @throws AgiqaError `invalid_input` naming the field.
 */
export function validateRunOptions(input: RunOptions, hasVal: boolean): HeadOptions {
  positiveInt(input.epochs, 'epochs');
  positiveInt(input.batchSize, 'batchSize');
  if (!(Number.isFinite(input.learningRate) && input.learningRate > 0)) {
    fail('learningRate', `must be a positive number, got ${input.learningRate}`);
  }
  if (!Number.isInteger(input.seed)) fail('seed', `must be an integer, got ${input.seed}`);
  if (!(REPORT_RULES as readonly string[]).includes(input.reportRule)) {
    fail('reportRule', `must be one of ${REPORT_RULES.join(', ')}, got "${input.reportRule}"`);
  }
  if (input.reportRule === 'best-on-val' && !hasVal) {
    fail('reportRule', '"best-on-val" needs a val split');
  }
  const parsed = HeadOptionsSchema.safeParse(input.head);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`head.${issue.path.join('.')}`, issue.message);
  }
  return parsed.data;
}

/**
 * Checks a split's MOS targets: enough of them (train 2, val and test 3), finite, not all equal.
 *
 * @throws AgiqaError `invalid_input` naming `<split>.targets`.
 */
export function validateTargets(name: 'train' | 'val' | 'test', targets: Float32Array): void {
  const n = targets.length;
  const min = name === 'train' ? 2 : 3;
  if (n < min) fail(`${name}.targets`, `needs at least ${min} items, got ${n}`);
  assertFinite(targets, `${name}.targets`);
  if (isConstant(targets)) {
    fail(`${name}.targets`, `are all ${targets[0]}: ${name === 'train' ? 'nothing to learn' : 'correlations are undefined'}`);
  }
}

/**
 * Checks every field and array size of a head training input (whichever engine trains it); returns
 * the head options with defaults applied.
 *
 * @throws AgiqaError `invalid_input` naming the field.
 */
export function validateTrainHeadInput(input: Omit<TrainHeadInput, 'onEpoch' | 'signal'>): HeadOptions {
  const head = validateRunOptions(input, input.val !== undefined);
  positiveInt(input.imageDim, 'imageDim');
  const { text } = input;
  positiveInt(text.prompts, 'text.prompts');
  positiveInt(text.maxTokens, 'text.maxTokens');
  positiveInt(text.dim, 'text.dim');
  expectLength(text.tokens, text.prompts * text.maxTokens * text.dim, 'text.tokens', '[prompts, maxTokens, dim]');
  expectLength(text.mask, text.prompts * text.maxTokens, 'text.mask', '[prompts, maxTokens]');
  assertFinite(text.tokens, 'text.tokens');
  for (let i = 0; i < text.mask.length; i++) {
    if (text.mask[i] !== 0 && text.mask[i] !== 1) fail(`text.mask[${i}]`, `must be 0 or 1, got ${text.mask[i]}`);
  }
  const splits: ['train' | 'val' | 'test', SplitData | undefined][] = [
    ['train', input.train],
    ['val', input.val],
    ['test', input.test],
  ];
  for (const [name, split] of splits) {
    if (split === undefined) continue;
    const n = split.targets.length;
    validateTargets(name, split.targets);
    expectLength(split.image, n * input.imageDim, `${name}.image`, `[n, imageDim] = [${n}, ${input.imageDim}]`);
    expectLength(split.promptIndex, n, `${name}.promptIndex`, `[n] = [${n}]`);
    assertFinite(split.image, `${name}.image`);
    validatePromptIndex(name, split.promptIndex, text.prompts);
  }
  return head;
}

/** Every row's prompt index points into the `prompts` distinct prompts. */
export function validatePromptIndex(name: string, promptIndex: Int32Array, prompts: number): void {
  for (let i = 0; i < promptIndex.length; i++) {
    const p = promptIndex[i];
    if (p < 0 || p >= prompts) fail(`${name}.promptIndex[${i}]`, `= ${p} is outside the text table (${prompts} prompts)`);
  }
}
