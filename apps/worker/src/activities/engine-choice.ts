import { AgiqaError, type GridSpec } from '@agiqa/contracts';
import type { TrainingEngine } from '@agiqa/model';
import type { WorkerEngines } from '../engines.js';

/**
 * The engine that trains a cell on this worker, by the grid's `trainer`: `tfjs`, `torch`, or `auto`
 * (torch where this worker has it, else tfjs). A cell that asks for torch on a worker without it
 * fails at once (non-retryable) saying how to give the worker a Python with torch.
 */
export function chooseEngine(grid: Pick<GridSpec, 'trainer' | 'trainingMode'>, engines: WorkerEngines, where: string): TrainingEngine {
  const finetune = grid.trainingMode === 'finetune';
  if (grid.trainer === 'tfjs') {
    if (finetune) {
      throw new AgiqaError('invalid_input', 'fine-tuning trains the encoders with PyTorch: use trainer "torch" or "auto"', [{ path: 'trainer', message: 'tfjs cannot fine-tune' }]);
    }
    return engines.tfjs;
  }
  if (engines.torch) return engines.torch;
  if (grid.trainer === 'auto' && !finetune) return engines.tfjs;
  const wanted = finetune ? 'fine-tuning (trainingMode "finetune") needs the torch engine' : 'the grid asks for trainer "torch"';
  throw new AgiqaError(
    'not_found',
    `${wanted}, but ${where} has no torch engine: ${engines.torchMissing ?? 'unknown reason'}. ` +
      `Give the worker a Python with torch (AGIQA_PYTHON, or bash tools/setup-python.sh) and restart it${finetune ? '' : ', or use trainer "auto" or "tfjs"'}`,
    [{ path: finetune ? 'trainingMode' : 'trainer', message: 'no torch engine on this worker' }],
  );
}
