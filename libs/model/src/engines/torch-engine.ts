import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { AgiqaError, ERROR_CODES, type ErrorCode, type HeadOptions } from '@agiqa/contracts';
import { checkpointPath } from '../training/checkpoint.js';
import { EpochLedger, type EpochReport } from '../training/epoch-ledger.js';
import {
  validatePromptIndex,
  validateRunOptions,
  validateTargets,
  validateTrainHeadInput,
  type SplitData,
  type TrainHeadInput,
} from '../training/train-head.js';
import type { EngineDevice, EngineResult, EngineRunInfo, FinetuneInput, FinetuneSplit, TrainingEngine } from './engine.js';
import { writeSafetensors, type NamedTensor } from './safetensors.js';
import { torchEngineEnv, type TorchProbe } from './torch-python.js';

/** Checkpoint file the Python engine writes in `checkpointDir` (libs/torch-engine checkpoint.py). */
export const TORCH_CHECKPOINT_FILE = 'latest.safetensors';

/** How long a cancelled engine gets to exit on SIGTERM before it is killed. */
const TERMINATE_GRACE_MS = 5_000;

export interface TorchEngineOptions {
  /** The interpreter (`findTorchPython`). */
  python: string;
  /** torch's version, as `probeTorch` found it. */
  version: string;
  /** The device `probeTorch` proved (a CUDA device only after its matmul check). */
  device: EngineDevice;
  /** Intra-op threads of the engine (default: torch's, one per physical core). */
  threads?: number;
  /** Extra environment of the subprocess (`CUDA_VISIBLE_DEVICES` of a pinned GPU worker). */
  env?: Record<string, string>;
  /** Folder for the spec and the feature file of each call (default the OS temp folder). */
  workDir?: string;
}

/** One `epoch` event of the engine (libs/torch-engine events.py). */
interface EpochEvent {
  epoch: number;
  trainLoss: number;
  seconds: number;
  test: number[];
  val: number[] | null;
  checkpoint: string | null;
  restored: boolean;
}

interface StartEvent {
  engine: 'torch';
  engineVersion: string;
  device: EngineDevice;
  dtype: string;
  parameters: number;
  resumedFromEpoch: number | null;
  resumeSkipped: string | null;
}

/**
 * The torch engine: `python -m agiqa_torch train SPEC` as a subprocess, one per training call.
 * The spec names a safetensors file of the run's features (the arrays `trainHead` gets); the engine
 * prints one JSON line per epoch with the loss, the test (and val) predictions and the checkpoint,
 * and this class turns them into `EpochReport`s through `EpochLedger` — the same metrics code as
 * the tfjs engine. Cancellation (`signal`, or `onEpoch` throwing) terminates the subprocess; its
 * checkpoints are replaced atomically, so none is ever half-written. The subprocess watches its
 * stdin pipe and exits when this process dies, even by kill -9.
 */
export class TorchEngine implements TrainingEngine {
  readonly name = 'torch' as const;
  readonly checkpointFile = TORCH_CHECKPOINT_FILE;

  constructor(private readonly options: TorchEngineOptions) {}

  /**
   * The engine on the device its start-up probe proved: the GPU when the matmul check passed, the
   * CPU otherwise. Fails with `unavailable` (and the probe's reason) when the probe failed.
   */
  static fromProbe(python: string, probe: TorchProbe, options: Pick<TorchEngineOptions, 'threads' | 'env' | 'workDir'> = {}): TorchEngine {
    if (!probe.ok || probe.device === undefined) throw new AgiqaError('unavailable', `the torch engine cannot run: ${probe.reason ?? 'its probe failed'}`);
    const { kind, name, cudaVersion } = probe.device;
    return new TorchEngine({ python, version: probe.torch, device: { kind, name, ...(cudaVersion ? { cudaVersion } : {}) }, ...options });
  }

  get info(): EngineRunInfo {
    const { version, device } = this.options;
    return { engine: 'torch', engineVersion: version, backend: `torch-${device.kind}`, device, dtype: 'float32' };
  }

  async trainHead(input: TrainHeadInput): Promise<EngineResult> {
    const head = validateTrainHeadInput(input);
    return this.withWorkDir(async (dir) => {
      const data = join(dir, 'data.safetensors');
      await writeSafetensors(data, featureTensors(input));
      return this.run(await this.writeSpec(dir, { ...this.spec(input, head, data), mode: 'head' }), input);
    });
  }

  /**
   * Fine-tunes the text encoder and the CLIP vision tower with the head (`mode: finetune`). The
   * engine decodes and preprocesses the images itself (items.json lists their paths).
   */
  async finetune(input: FinetuneInput): Promise<EngineResult> {
    const head = validateFinetuneInput(input);
    return this.withWorkDir(async (dir) => {
      const data = join(dir, 'items.json');
      await writeFile(data, JSON.stringify(finetuneItems(input)));
      const { options } = input;
      const finetune = {
        textModel: input.textModel,
        imageModel: input.imageModel,
        encoderLearningRate: options.encoderLearningRate,
        frozenLayers: options.frozenLayers,
        bf16: options.bf16,
        gradientCheckpointing: options.gradientCheckpointing,
        maxTokens: input.maxTokens,
      };
      return this.run(await this.writeSpec(dir, { ...this.spec(input, head, data), mode: 'finetune', finetune }), input);
    });
  }

  private async withWorkDir(work: (dir: string) => Promise<EngineResult>): Promise<EngineResult> {
    const dir = await mkdtemp(join(this.options.workDir ?? tmpdir(), 'agiqa-torch-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async writeSpec(dir: string, spec: object): Promise<string> {
    const path = join(dir, 'spec.json');
    await writeFile(path, JSON.stringify(spec));
    return path;
  }

  /** The spec fields both modes share (libs/torch-engine spec.py). */
  private spec(input: TrainHeadInput | FinetuneInput, head: HeadOptions, data: string) {
    return {
      format: 'agiqa-torch-spec',
      version: 1,
      fusion: input.fusion,
      head,
      epochs: input.epochs,
      batchSize: input.batchSize,
      learningRate: input.learningRate,
      seed: input.seed,
      device: this.options.device.kind,
      threads: this.options.threads ?? null,
      data,
      checkpointDir: input.checkpointDir ?? null,
      resumeFrom: input.resumeFrom === undefined ? null : checkpointPath(input.resumeFrom),
    };
  }

  /** Runs the engine on `spec`, feeding its epochs through the ledger; resolves when it is done. */
  private async run(spec: string, input: TrainHeadInput | FinetuneInput): Promise<EngineResult> {
    const ledger = new EpochLedger({ test: input.test.targets, ...(input.val ? { val: input.val.targets } : {}) }, input.reportRule);
    // stdin: its closing stops the engine (we died); `released <epoch>` lets it replace that epoch's
    // checkpoint, which onEpoch has finished reading (libs/torch-engine release.py).
    const child = spawn(this.options.python, ['-m', 'agiqa_torch', 'train', spec, '--watch-stdin', '--await-checkpoint-release'], {
      env: torchEngineEnv(this.options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // An engine that already exited cannot take a release: EPIPE is expected then, and its exit is handled below.
    child.stdin?.on('error', () => undefined);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8_000)));
    const spawnError = new Promise<never>((_, reject) => child.on('error', (error) => reject(new AgiqaError('unavailable', `cannot start ${this.options.python}: ${error.message}`))));
    spawnError.catch(() => undefined);
    const abort = () => terminate(child);
    input.signal?.addEventListener('abort', abort, { once: true });

    let start: StartEvent | null = null;
    let failure: AgiqaError | null = null;
    let done = false;
    try {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as { event: string } & Record<string, unknown>;
        if (event.event === 'start') start = event as unknown as StartEvent;
        else if (event.event === 'epoch') {
          const epoch = event as unknown as EpochEvent;
          await this.epoch(epoch, ledger, input);
          child.stdin?.write(`released ${epoch.epoch}\n`);
        }
        else if (event.event === 'error') failure = engineFailure(event);
        else if (event.event === 'done') done = true;
      }
      const { code, signal } = await Promise.race([exited, spawnError]);
      throwIfAborted(input.signal);
      if (failure) throw failure;
      if (!done || start === null || code !== 0) {
        throw new AgiqaError('internal', `the torch engine stopped (${signal ?? `exit code ${code}`}) before finishing: ${stderr.trim().split('\n').slice(-5).join(' | ') || 'no message'}`);
      }
    } catch (error) {
      terminate(child);
      await exited;
      throw error;
    } finally {
      input.signal?.removeEventListener('abort', abort);
    }
    return {
      ...ledger.result(),
      backend: `torch-${start.device.kind}`,
      parameters: start.parameters,
      resumedFromEpoch: start.resumedFromEpoch,
      resumeSkipped: start.resumeSkipped,
      run: {
        engine: 'torch',
        engineVersion: start.engineVersion,
        backend: `torch-${start.device.kind}`,
        device: { kind: start.device.kind, name: start.device.name, ...(start.device.cudaVersion ? { cudaVersion: start.device.cudaVersion } : {}) },
        dtype: start.dtype,
      },
    };
  }

  private async epoch(event: EpochEvent, ledger: EpochLedger, input: TrainHeadInput | FinetuneInput): Promise<void> {
    const report: EpochReport = ledger.record({
      epoch: event.epoch,
      trainLoss: event.trainLoss,
      durationMs: Math.round(event.seconds * 1000),
      test: Float32Array.from(event.test),
      val: event.val === null ? null : Float32Array.from(event.val),
    });
    // Epochs restored from a checkpoint were reported by the attempt that trained them.
    if (!event.restored) await input.onEpoch?.(report, event.checkpoint === null ? null : pathToFileURL(event.checkpoint).href);
  }
}

/** The run's features in the engine's safetensors layout (libs/torch-engine head_task.py). */
function featureTensors(input: TrainHeadInput): NamedTensor[] {
  const { text } = input;
  const tensors: NamedTensor[] = [
    { name: 'text/tokens', dtype: 'F32', shape: [text.prompts, text.maxTokens, text.dim], data: text.tokens },
    { name: 'text/mask', dtype: 'F32', shape: [text.prompts, text.maxTokens], data: text.mask },
  ];
  const splits: [string, SplitData | undefined][] = [
    ['train', input.train],
    ['val', input.val],
    ['test', input.test],
  ];
  for (const [name, split] of splits) {
    if (split === undefined) continue;
    const n = split.targets.length;
    tensors.push(
      { name: `${name}/image`, dtype: 'F32', shape: [n, input.imageDim], data: split.image },
      { name: `${name}/prompt`, dtype: 'I32', shape: [n], data: split.promptIndex },
      { name: `${name}/target`, dtype: 'F32', shape: [n], data: split.targets },
    );
  }
  return tensors;
}

/** Checks a fine-tuning input as `validateTrainHeadInput` checks a head's; returns the head options. */
function validateFinetuneInput(input: FinetuneInput): HeadOptions {
  const head = validateRunOptions(input, input.val !== undefined);
  if (input.prompts.length === 0) throw new AgiqaError('invalid_input', 'prompts must list at least one prompt', [{ path: 'prompts', message: 'empty' }]);
  const splits: ['train' | 'val' | 'test', FinetuneSplit | undefined][] = [
    ['train', input.train],
    ['val', input.val],
    ['test', input.test],
  ];
  for (const [name, split] of splits) {
    if (split === undefined) continue;
    validateTargets(name, split.targets);
    if (split.images.length !== split.targets.length || split.promptIndex.length !== split.targets.length) {
      throw new AgiqaError('invalid_input', `${name}: ${split.images.length} images, ${split.promptIndex.length} prompt indices and ${split.targets.length} targets`, [
        { path: `${name}.images`, message: 'lengths differ' },
      ]);
    }
    validatePromptIndex(name, split.promptIndex, input.prompts.length);
  }
  return head;
}

/** items.json of a fine-tuning spec (libs/torch-engine finetune.py `load_items`). */
function finetuneItems(input: FinetuneInput) {
  const split = (s: FinetuneSplit) => ({ images: s.images, prompt: Array.from(s.promptIndex), target: Array.from(s.targets) });
  return { prompts: input.prompts, train: split(input.train), ...(input.val ? { val: split(input.val) } : {}), test: split(input.test) };
}

function engineFailure(event: Record<string, unknown>): AgiqaError {
  const code = (ERROR_CODES as readonly string[]).includes(String(event.code)) ? (event.code as ErrorCode) : 'internal';
  const message = `torch engine: ${String(event.message)}`;
  return new AgiqaError(code, message, typeof event.path === 'string' ? [{ path: event.path, message: String(event.message) }] : undefined);
}

/** SIGTERM, then SIGKILL if it is still there after the grace period. */
function terminate(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, TERMINATE_GRACE_MS);
  timer.unref();
  child.once('close', () => clearTimeout(timer));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('training was aborted', 'AbortError');
}
