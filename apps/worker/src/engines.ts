import { execFileSync } from 'node:child_process';
import { AgiqaError, type TfjsBackendName } from '@agiqa/contracts';
import {
  initTfjsBackend,
  probeTorch,
  TfjsEngine,
  tfjsUsesGpu,
  TorchEngine,
  type EngineDevice,
  type TorchProbe,
  type TorchPython,
} from '@agiqa/model';
import type { WorkerRole } from './config.js';

/** The engines a training worker has, decided once at start-up. */
export interface WorkerEngines {
  tfjs: TfjsEngine;
  /** null: this worker has no working Python with torch (`torchMissing` says why). */
  torch: TorchEngine | null;
  torchMissing: string | null;
  /** tfjs backend that was initialised (recorded as `backend` on tfjs runs; latency uses it). */
  tfjsBackend: string;
  /** What runs where, for the start-up log. */
  report: string[];
}

export interface DetectEnginesOptions {
  role: WorkerRole;
  /** `--device N`: the GPU this worker is pinned to (CUDA_VISIBLE_DEVICES is already set to it). */
  device: number | null;
  /** `--allow-cpu`: a `gpu` worker may start without proving a GPU (its runs are recorded on the CPU). */
  allowCpu: boolean;
  tfjsBackend?: TfjsBackendName;
  /** `findTorchPython`'s answer (null: none configured or installed). */
  python: TorchPython | null;
  /** Intra-op threads of the torch engine (AGIQA_TORCH_THREADS). */
  torchThreads?: number;
}

/** What start-up asks of the machine; tests replace it. */
export interface EngineProbes {
  initTfjs(preferred?: TfjsBackendName): Promise<string>;
  tfjsUsesGpu(): boolean;
  probeTorch(python: string, device: 'cuda' | 'auto'): Promise<TorchProbe>;
  /** Name of GPU `index` as nvidia-smi reports it, or null. */
  gpuName(index: number): string | null;
}

export const MACHINE_PROBES: EngineProbes = {
  initTfjs: async (preferred) => (await initTfjsBackend(preferred)).name,
  tfjsUsesGpu,
  probeTorch: (python, device) => probeTorch(python, device),
  gpuName(index) {
    try {
      const out = execFileSync('nvidia-smi', ['-i', String(index), '--query-gpu=name', '--format=csv,noheader'], {
        timeout: 5000,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      return out.trim() || null;
    } catch {
      return null;
    }
  },
};

/**
 * Initialises tfjs and probes the torch engine, and decides which device each computes on.
 *
 * A `gpu` worker must prove that an engine computes on its GPU: torch by a matmul on cuda checked
 * against the CPU, tfjs-node-gpu by `isUsingGpuDevice`. Without that proof it refuses to start,
 * saying why for each engine, unless `allowCpu`; then (as on `all` workers) everything it trains is
 * recorded as CPU work. Nothing is ever recorded as GPU work that did not run on a GPU.
 *
 * @throws AgiqaError `unavailable` for a `gpu` worker with no proven GPU (without `allowCpu`), or
 *   when `AGIQA_PYTHON` names an interpreter on which the engine does not start.
 */
export async function detectEngines(options: DetectEnginesOptions, probes: EngineProbes = MACHINE_PROBES): Promise<WorkerEngines> {
  const report: string[] = [];
  const gpuIndex = options.device ?? 0;
  const gpuLabel = options.device === null ? 'the first GPU' : `GPU ${options.device} (--device)`;

  const tfjsBackend = await probes.initTfjs(options.tfjsBackend);
  let tfjsGpu: EngineDevice | null = null;
  let tfjsWhyNot: string;
  if (tfjsBackend === 'tensorflow-gpu' && probes.tfjsUsesGpu()) {
    tfjsGpu = { kind: 'cuda', name: probes.gpuName(gpuIndex) ?? `GPU ${gpuIndex}` };
    tfjsWhyNot = '';
  } else {
    tfjsWhyNot =
      tfjsBackend === 'tensorflow-gpu'
        ? 'tfjs-node-gpu loaded but reports isUsingGpuDevice = false (no CUDA 11.2 / cuDNN 8 libraries it can use)'
        : `the tfjs backend is ${tfjsBackend}, not tfjs-node-gpu`;
  }
  const tfjs = new TfjsEngine(tfjsBackend, tfjsGpu);
  report.push(`tfjs ${tfjs.info.engineVersion}, backend ${tfjsBackend}, on ${describeDevice(tfjs.info.device)}`);

  let torch: TorchEngine | null = null;
  let torchMissing: string | null = null;
  let torchWhyNotGpu = '';
  if (options.python === null) {
    torchMissing = 'no Python for the torch engine (set AGIQA_PYTHON, or run bash tools/setup-python.sh)';
  } else {
    let probe: TorchProbe | null = null;
    try {
      probe = await probes.probeTorch(options.python.python, options.role === 'gpu' ? 'cuda' : 'auto');
    } catch (error) {
      // An interpreter named explicitly must work; the project venv missing torch is only a fallback.
      if (options.python.source === 'AGIQA_PYTHON') throw error;
      torchMissing = (error as Error).message;
    }
    if (probe?.ok) {
      torch = TorchEngine.fromProbe(options.python.python, probe, engineOptions(options));
    } else if (probe) {
      torchWhyNotGpu = probe.reason ?? 'its probe failed';
      // The GPU was asked for and is not usable: the CPU is the honest fallback (only with --allow-cpu).
      torch = TorchEngine.fromProbe(options.python.python, { ...probe, ok: true, device: probe.cpu }, engineOptions(options));
    }
  }
  if (torch) {
    report.push(`torch ${torch.info.engineVersion} (${options.python?.python}), on ${describeDevice(torch.info.device)}`);
    if (torch.info.device.kind === 'cpu' && torchWhyNotGpu) report.push(`torch not on a GPU: ${torchWhyNotGpu}`);
  } else {
    report.push(`torch: none (${torchMissing}); trainer auto trains with tfjs`);
  }

  if (options.role === 'gpu') {
    const proven = torch?.info.device.kind === 'cuda' || tfjsGpu !== null;
    if (!proven) {
      const why = [`torch: ${torch ? torchWhyNotGpu : torchMissing}`, `tfjs: ${tfjsWhyNot}`].join('; ');
      if (!options.allowCpu) {
        throw new AgiqaError(
          'unavailable',
          `this gpu worker cannot prove that it computes on ${gpuLabel}, so it does not start (${why}). ` +
            'Fix the GPU setup, or start it with --allow-cpu to train on the CPU (its runs are then recorded as CPU runs), or use --role all.',
        );
      }
      report.push(`--allow-cpu: no engine computes on a GPU here (${why}); every run is recorded as CPU work`);
    }
    if (proven && torch?.info.device.kind === 'cuda' && tfjsGpu === null) {
      report.push('cells with trainer tfjs train on the CPU on this worker (and are recorded so)');
    }
  }
  return { tfjs, torch, torchMissing, tfjsBackend, report };
}

function engineOptions(options: DetectEnginesOptions) {
  return options.torchThreads === undefined ? {} : { threads: options.torchThreads };
}

/**
 * What the worker's Temporal identity says about its engines (`agiqa workers` reads it back):
 * the engines it trains with, the one `auto` picks first (`torch,tfjs` or `tfjs`), and that engine's
 * backend and device — `cuda:N` with the host's GPU index (`--device`, else 0), or `cpu`.
 */
export function engineIdentity(engines: WorkerEngines, deviceIndex: number | null): { engine: string; backend: string; device: string } {
  const first = engines.torch ?? engines.tfjs;
  const names = engines.torch ? ['torch', 'tfjs'] : ['tfjs'];
  const device = first.info.device.kind === 'cuda' ? `cuda:${deviceIndex ?? 0}` : 'cpu';
  return { engine: names.join(','), backend: first.info.backend, device };
}

export function describeDevice(device: EngineDevice): string {
  if (device.kind === 'cpu') return `the CPU (${device.name})`;
  return `${device.name}${device.cudaVersion ? `, CUDA ${device.cudaVersion}` : ''}`;
}
