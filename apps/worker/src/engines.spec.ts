import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AgiqaError } from '@agiqa/contracts';
import type { TorchProbe } from '@agiqa/model';
import { torchAvailable } from '@agiqa/model/testing';
import { detectEngines, engineIdentity, type DetectEnginesOptions, type EngineProbes } from './engines.js';

const CPU = { kind: 'cpu' as const, name: 'Test CPU', threads: 2 };
const H200 = { kind: 'cuda' as const, name: 'NVIDIA H200', cudaVersion: '13.0', capability: '9.0' };

function probe(overrides: Partial<TorchProbe>): TorchProbe {
  return { ok: true, python: '3.12.1', torch: '2.11.0+cu130', torchCuda: '13.0', transformers: '5.17.0', cudaAvailable: false, cudaDevices: 0, cpu: CPU, device: CPU, ...overrides };
}

const NO_CUDA = probe({ ok: false, device: undefined, reason: 'torch sees no CUDA device (torch is built for CUDA 13.0; check the driver with nvidia-smi and CUDA_VISIBLE_DEVICES)' });

/** A machine as start-up sees it: the tfjs backend it gets, whether tfjs-node-gpu uses a GPU, torch's probe. */
function machine(options: { tfjs?: string; tfjsGpu?: boolean; torch?: TorchProbe | Error } = {}): EngineProbes & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    initTfjs: async () => options.tfjs ?? 'wasm',
    tfjsUsesGpu: () => options.tfjsGpu ?? false,
    probeTorch: async (_python, device) => {
      asked.push(device);
      const answer = options.torch ?? probe({});
      if (answer instanceof Error) throw answer;
      return answer;
    },
    gpuName: (index) => `NVIDIA H200 #${index}`,
  };
}

const venv = { python: '/repo/tools/.venv/bin/python', source: 'tools/.venv' as const };
const gpuWorker: DetectEnginesOptions = { role: 'gpu', device: 3, allowCpu: false, python: venv };

async function refusal(promise: Promise<unknown>): Promise<AgiqaError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(AgiqaError);
  return error as AgiqaError;
}

describe(detectEngines.name, () => {
  it('refuses a gpu worker whose engines cannot prove a GPU, saying why for each and what to do', async () => {
    const error = await refusal(detectEngines(gpuWorker, machine({ torch: NO_CUDA })));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('this gpu worker cannot prove that it computes on GPU 3 (--device)');
    expect(error.message).toContain('torch: torch sees no CUDA device');
    expect(error.message).toContain('tfjs: the tfjs backend is wasm, not tfjs-node-gpu');
    expect(error.message).toContain('--allow-cpu');
  });

  it('refuses as well without any Python, and does not take tfjs-node-gpu by its name alone', async () => {
    const error = await refusal(detectEngines({ ...gpuWorker, python: null }, machine({ tfjs: 'tensorflow-gpu', tfjsGpu: false })));
    expect(error.message).toContain('torch: no Python for the torch engine');
    expect(error.message).toContain('isUsingGpuDevice = false');
  });

  it('starts a gpu worker with --allow-cpu and then records both engines on the CPU', async () => {
    const engines = await detectEngines({ ...gpuWorker, allowCpu: true }, machine({ torch: NO_CUDA }));
    expect(engines.torch?.info).toMatchObject({ engine: 'torch', backend: 'torch-cpu', device: { kind: 'cpu', name: 'Test CPU' } });
    expect(engines.tfjs.info.device.kind).toBe('cpu');
    expect(engines.report.join('\n')).toMatch(/--allow-cpu: no engine computes on a GPU here .*every run is recorded as CPU work/);
  });

  it('proves the GPU with torch: the cuda probe passed, so torch runs record the GPU by name and CUDA version', async () => {
    const probes = machine({ torch: probe({ cudaAvailable: true, cudaDevices: 1, device: H200 }) });
    const engines = await detectEngines(gpuWorker, probes);
    expect(probes.asked).toEqual(['cuda']);
    expect(engines.torch?.info).toMatchObject({ backend: 'torch-cuda', device: { kind: 'cuda', name: 'NVIDIA H200', cudaVersion: '13.0' } });
    // tfjs on wasm computes on the CPU here, and says so.
    expect(engines.tfjs.info.device.kind).toBe('cpu');
    expect(engines.report.join('\n')).toContain('cells with trainer tfjs train on the CPU on this worker');
    // The Temporal identity `agiqa workers` reads: both engines, torch first, on the pinned GPU by its host index.
    expect(engineIdentity(engines, 3)).toEqual({ engine: 'torch,tfjs', backend: 'torch-cuda', device: 'cuda:3' });
  });

  it('accepts tfjs-node-gpu as proof only when it reports isUsingGpuDevice, naming the pinned GPU', async () => {
    const engines = await detectEngines({ ...gpuWorker, python: null }, machine({ tfjs: 'tensorflow-gpu', tfjsGpu: true }));
    expect(engines.tfjs.info).toMatchObject({ backend: 'tensorflow-gpu', device: { kind: 'cuda', name: 'NVIDIA H200 #3' } });
    expect(engines.torch).toBeNull();
    expect(engineIdentity(engines, 3)).toEqual({ engine: 'tfjs', backend: 'tensorflow-gpu', device: 'cuda:3' });
  });

  it('lets an all worker compute where torch can (auto) without demanding a GPU', async () => {
    const probes = machine();
    const engines = await detectEngines({ role: 'all', device: null, allowCpu: false, python: venv }, probes);
    expect(probes.asked).toEqual(['auto']);
    expect(engines.torch?.info.device).toEqual({ kind: 'cpu', name: 'Test CPU' });
    expect(engineIdentity(engines, null)).toEqual({ engine: 'torch,tfjs', backend: 'torch-cpu', device: 'cpu' });
  });

  it('fails start-up when AGIQA_PYTHON names an interpreter the engine does not start on, but only notes a broken venv', async () => {
    const broken = new AgiqaError('unavailable', 'the torch engine does not start with /opt/py: No module named torch');
    const explicit = await refusal(detectEngines({ role: 'all', device: null, allowCpu: false, python: { python: '/opt/py', source: 'AGIQA_PYTHON' } }, machine({ torch: broken })));
    expect(explicit.message).toContain('No module named torch');
    const engines = await detectEngines({ role: 'all', device: null, allowCpu: false, python: venv }, machine({ torch: broken }));
    expect(engines.torch).toBeNull();
    expect(engines.torchMissing).toContain('No module named torch');
  });
});

describe('a gpu worker process on this machine', () => {
  const torch = torchAvailable();
  const mainPath = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

  it.skipIf(hasNvidiaGpu())('refuses to start without a GPU, with a message that says why (before connecting anywhere)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@agiqa/source', mainPath, '--role', 'gpu', '--device', '0'], {
      env: { ...process.env, AGIQA_TFJS_BACKEND: 'wasm', TEMPORAL_ADDRESS: '127.0.0.1:1', ...(torch.ok ? { AGIQA_PYTHON: torch.python } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('unavailable: this gpu worker cannot prove that it computes on GPU 0 (--device)');
    expect(output).toContain(torch.ok ? 'torch: torch sees no CUDA device' : 'torch: no Python for the torch engine');
    expect(output).toContain('--allow-cpu');
    expect(output).not.toContain('agiqa worker ready');
  }, 180_000);
});

function hasNvidiaGpu(): boolean {
  try {
    return execFileSync('nvidia-smi', ['-L'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().includes('GPU');
  } catch {
    return false;
  }
}
