import type { FinetuneOptions } from '@agiqa/contracts';
import type { RunOptions, TrainHeadInput, TrainHeadResult } from '../training/train-head.js';

/** The two training engines behind the GPU queues (libs/contracts TRAINING_ENGINES). */
export type EngineName = 'tfjs' | 'torch';

/** Where an engine's arithmetic runs: recorded on every run it trains. */
export interface EngineDevice {
  kind: 'cpu' | 'cuda';
  /** The CPU model, or the GPU's name. */
  name: string;
  /** CUDA version the engine runs on (cuda only). */
  cudaVersion?: string;
}

/** What a run records about the engine that trained it. */
export interface EngineRunInfo {
  engine: EngineName;
  /** `@tensorflow/tfjs` version, or torch's (`2.11.0+cu130`). */
  engineVersion: string;
  /** The tfjs backend (`wasm`, `tensorflow-gpu`, …), or `torch-cpu` / `torch-cuda`. */
  backend: string;
  device: EngineDevice;
  /** Arithmetic precision of training: `float32`, or `bfloat16-autocast` (fine-tuning on a GPU). */
  dtype: string;
}

export interface EngineResult extends TrainHeadResult {
  run: EngineRunInfo;
}

/** One split of a fine-tuning run: images by path, each image's prompt (index into `prompts`), its MOS. */
export interface FinetuneSplit {
  images: string[];
  promptIndex: Int32Array;
  targets: Float32Array;
}

/**
 * A fine-tuning call: encoders from Hugging Face folders trained end to end with the head, on
 * images and prompts (no cached features). Callbacks, signal and resume as `TrainHeadInput`.
 */
export interface FinetuneInput extends RunOptions, Pick<TrainHeadInput, 'fusion' | 'checkpointDir' | 'resumeFrom' | 'onEpoch' | 'signal'> {
  options: Required<FinetuneOptions>;
  /** Hugging Face folder of the text encoder (config.json, model.safetensors, tokenizer files). */
  textModel: string;
  /** Longest prompt in tokens the text encoder takes (specials included). */
  maxTokens: number;
  /** Hugging Face folder of the CLIP model or its vision tower (config.json, model.safetensors, preprocessor_config.json). */
  imageModel: string;
  /** The distinct prompts the splits point into. */
  prompts: string[];
  train: FinetuneSplit;
  val?: FinetuneSplit;
  test: FinetuneSplit;
}

/**
 * A training engine: turns a run's data and options into epochs, predictions and checkpoints.
 * Metrics come from the predictions through `EpochLedger` in either engine, so they mean the same.
 * `onEpoch`, `signal` and resume behave as `trainHead` documents them.
 */
export interface TrainingEngine {
  readonly name: EngineName;
  /** What runs on this engine will record (device, version), as far as known before a run. */
  readonly info: EngineRunInfo;
  /** File name of this engine's checkpoints inside `checkpointDir`: another name is another engine's. */
  readonly checkpointFile: string;
  /** Trains a fusion head on cached features (frozen encoders). */
  trainHead(input: TrainHeadInput): Promise<EngineResult>;
  /** Fine-tunes both encoders with the head (engines that can: torch). */
  finetune?(input: FinetuneInput): Promise<EngineResult>;
}
