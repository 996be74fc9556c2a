import { AgiqaError, invalidInput, type GridSpec } from '@agiqa/contracts';
import { resolveEncoder, resolveTorchEncoder } from '@agiqa/model';

/**
 * Every encoder of a grid must resolve where the workers look for models (AGIQA_MODELS_DIR and the
 * grid's overrides, shared with the workers): a missing model folder is a 400 naming it when the
 * sweep is created, rather than every cell failing the same way later. Frozen grids need the ONNX
 * folders feature extraction loads; fine-tuning grids the Hugging Face (PyTorch) folders the torch
 * engine trains. (Loaded lazily by the sweeps service: libs/model carries the ML runtimes.)
 */
export function checkEncoders(
  grid: Pick<GridSpec, 'encoders' | 'imageEncoder' | 'modelOverrides'> & Partial<Pick<GridSpec, 'trainingMode'>>,
  models: { modelsDir?: string; allowRemote?: boolean },
): void {
  const wanted = [...grid.encoders.map((name, i) => ({ name, kind: 'text' as const, path: `encoders.${i}` })), { name: grid.imageEncoder, kind: 'image' as const, path: 'imageEncoder' }];
  const problems: { path: string; message: string }[] = [];
  for (const { name, kind, path } of wanted) {
    try {
      if (grid.trainingMode === 'finetune') resolveTorchEncoder(name, { kind, overrides: grid.modelOverrides, modelsDir: models.modelsDir });
      else resolveEncoder(name, { kind, overrides: grid.modelOverrides, modelsDir: models.modelsDir, allowRemote: models.allowRemote });
    } catch (error) {
      if (!(error instanceof AgiqaError)) throw error;
      problems.push({ path, message: error.message });
    }
  }
  if (problems.length > 0) {
    throw invalidInput(`the workers cannot load ${problems.length === 1 ? 'an encoder' : `${problems.length} encoders`} of this grid: ${problems.map((p) => p.message).join('; ')}`, problems);
  }
}
