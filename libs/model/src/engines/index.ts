export type { EngineDevice, EngineName, EngineResult, EngineRunInfo, FinetuneInput, FinetuneSplit, TrainingEngine } from './engine.js';
export { readSafetensors, writeSafetensors, type NamedTensor, type SafetensorsDtype, type SafetensorsFile } from './safetensors.js';
export { TfjsEngine } from './tfjs-engine.js';
export { TORCH_CHECKPOINT_FILE, TorchEngine, type TorchEngineOptions } from './torch-engine.js';
export { findTorchPython, probeTorch, PROJECT_VENV_PYTHON, TORCH_ENGINE_SOURCE, torchEngineEnv, type TorchProbe, type TorchPython } from './torch-python.js';
