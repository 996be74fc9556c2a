import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { CHECKPOINT_FILE } from '../training/checkpoint.js';
import { trainHead, type TrainHeadInput } from '../training/train-head.js';
import type { EngineDevice, EngineResult, EngineRunInfo, TrainingEngine } from './engine.js';

/**
 * The in-process engine: `trainHead` on the tfjs backend the worker initialised (`backend`, the
 * zero-install engine of the embedded stack). `gpu` is the device tfjs-node-gpu proved to use at
 * start-up (`isUsingGpuDevice`); without that proof its runs are recorded on the CPU, whatever the
 * backend is called.
 */
export class TfjsEngine implements TrainingEngine {
  readonly name = 'tfjs' as const;
  readonly checkpointFile = CHECKPOINT_FILE;

  constructor(
    private readonly backend: string,
    private readonly gpu: EngineDevice | null = null,
  ) {}

  get info(): EngineRunInfo {
    const device: EngineDevice = this.gpu ?? { kind: 'cpu', name: cpus()[0]?.model.trim() ?? 'unknown CPU' };
    return { engine: 'tfjs', engineVersion: tf.version.tfjs, backend: this.backend, device, dtype: 'float32' };
  }

  async trainHead(input: TrainHeadInput): Promise<EngineResult> {
    const result = await trainHead(input);
    return { ...result, run: { ...this.info, backend: result.backend } };
  }
}
