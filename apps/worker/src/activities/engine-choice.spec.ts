import { describe, expect, it } from 'vitest';
import { AgiqaError } from '@agiqa/contracts';
import { TfjsEngine, TorchEngine } from '@agiqa/model';
import type { WorkerEngines } from '../engines.js';
import { chooseEngine } from './engine-choice.js';

const tfjs = new TfjsEngine('wasm');
const torch = new TorchEngine({ python: 'python3', version: '2.11.0', device: { kind: 'cpu', name: 'Test CPU' } });
const withTorch: WorkerEngines = { tfjs, torch, torchMissing: null, tfjsBackend: 'wasm', report: [] };
const withoutTorch: WorkerEngines = { ...withTorch, torch: null, torchMissing: 'no Python for the torch engine (set AGIQA_PYTHON, or run bash tools/setup-python.sh)' };

describe(chooseEngine.name, () => {
  it('auto picks torch where the worker has it, else tfjs', () => {
    expect(chooseEngine({ trainer: 'auto', trainingMode: 'frozen' }, withTorch, 'w')).toBe(torch);
    expect(chooseEngine({ trainer: 'auto', trainingMode: 'frozen' }, withoutTorch, 'w')).toBe(tfjs);
  });

  it('honours an explicit engine', () => {
    expect(chooseEngine({ trainer: 'tfjs', trainingMode: 'frozen' }, withTorch, 'w')).toBe(tfjs);
    expect(chooseEngine({ trainer: 'torch', trainingMode: 'frozen' }, withTorch, 'w')).toBe(torch);
  });

  it('fine-tunes only with torch: auto without torch fails at once, tfjs is refused', () => {
    expect(chooseEngine({ trainer: 'auto', trainingMode: 'finetune' }, withTorch, 'w')).toBe(torch);
    expect(() => chooseEngine({ trainer: 'auto', trainingMode: 'finetune' }, withoutTorch, 'worker on host-1')).toThrow(
      /fine-tuning \(trainingMode "finetune"\) needs the torch engine, but worker on host-1 has no torch engine: no Python/,
    );
    expect(() => chooseEngine({ trainer: 'tfjs', trainingMode: 'finetune' }, withTorch, 'w')).toThrow(/use trainer "torch" or "auto"/);
  });

  it('fails a torch cell at once on a worker without torch, saying why and what to do', () => {
    let error: unknown;
    try {
      chooseEngine({ trainer: 'torch', trainingMode: 'frozen' }, withoutTorch, 'worker on host-1 (queue agiqa-gpu)');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).code).toBe('not_found');
    expect((error as Error).message).toMatch(/trainer "torch", but worker on host-1 \(queue agiqa-gpu\) has no torch engine: no Python/);
    expect((error as Error).message).toContain('bash tools/setup-python.sh');
  });
});
