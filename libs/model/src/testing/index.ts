// Test support for suites that use @agiqa/model (not part of the runtime API).
export { torchAvailable, type TorchAvailability } from './torch.js';
