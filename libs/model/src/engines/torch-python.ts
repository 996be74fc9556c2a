import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgiqaError, invalidInput } from '@agiqa/contracts';
import type { EngineDevice } from './engine.js';

/** The Python package of the torch engine (libs/torch-engine/src): put on PYTHONPATH, never installed. */
export const TORCH_ENGINE_SOURCE = fileURLToPath(new URL('../../../torch-engine/src/', import.meta.url));

/** The project venv `.ci/run` and `tools/setup-python.sh` create (gitignored). */
export const PROJECT_VENV_PYTHON = fileURLToPath(new URL('../../../../tools/.venv/bin/python', import.meta.url));

export interface TorchPython {
  /** Interpreter path. */
  python: string;
  /** Where it came from: the `AGIQA_PYTHON` setting or the project venv. */
  source: 'AGIQA_PYTHON' | 'tools/.venv';
}

/**
 * The Python the torch engine runs on: `AGIQA_PYTHON` when set (it must exist), else the project
 * venv `tools/.venv` when it exists, else none (the tfjs engine then trains everything).
 */
export function findTorchPython(env: { AGIQA_PYTHON?: string }): TorchPython | null {
  if (env.AGIQA_PYTHON !== undefined) {
    if (!existsSync(env.AGIQA_PYTHON)) {
      throw invalidInput(`AGIQA_PYTHON is ${env.AGIQA_PYTHON}, which does not exist`, [{ path: 'AGIQA_PYTHON', message: 'no such file' }]);
    }
    return { python: env.AGIQA_PYTHON, source: 'AGIQA_PYTHON' };
  }
  return existsSync(PROJECT_VENV_PYTHON) ? { python: PROJECT_VENV_PYTHON, source: 'tools/.venv' } : null;
}

/** The environment of an engine subprocess: the package on PYTHONPATH, unbuffered output, and `extra`. */
export function torchEngineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = process.env.PYTHONPATH;
  return {
    ...process.env,
    PYTHONPATH: inherited ? `${TORCH_ENGINE_SOURCE}${delimiter}${inherited}` : TORCH_ENGINE_SOURCE,
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}

/** What `python -m agiqa_torch probe` answers. */
export interface TorchProbe {
  ok: boolean;
  python: string;
  torch: string;
  /** CUDA version torch was built for (null: a CPU-only build). */
  torchCuda: string | null;
  transformers: string | null;
  cudaAvailable: boolean;
  cudaDevices: number;
  /** The CPU (always described: the device of a worker that computes on the CPU). */
  cpu: EngineDevice & { threads?: number };
  /** The device that computed (when ok). */
  device?: EngineDevice & { capability?: string; threads?: number };
  /** Why the device could not be used (when not ok). */
  reason?: string;
}

/**
 * Asks `python` whether the torch engine runs, and on which device: for `cuda`, a matmul on the GPU
 * checked against the CPU (a GPU worker's proof); `auto`: that proof when torch sees a GPU, else the
 * CPU. `env` may pin the GPU (`CUDA_VISIBLE_DEVICES`).
 * Fails with `unavailable` when the interpreter or the package cannot start at all (no torch, a
 * broken venv), with the interpreter's own message.
 */
export function probeTorch(python: string, device: 'cpu' | 'cuda' | 'auto', env: Record<string, string> = {}, timeoutMs = 300_000): Promise<TorchProbe> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ['-m', 'agiqa_torch', 'probe', '--device', device],
      { env: torchEngineEnv(env), timeout: timeoutMs, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (error || line === undefined) {
          const why = (stderr.trim().split('\n').at(-1) ?? '') || error?.message || 'no output';
          reject(new AgiqaError('unavailable', `the torch engine does not start with ${python}: ${why}`));
          return;
        }
        const { event: _event, ...probe } = JSON.parse(line) as TorchProbe & { event: string };
        resolve(probe);
      },
    );
  });
}
