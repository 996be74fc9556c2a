export { measureLatency, TIMING_STAGES, type HeadBatch, type MeasureLatencyOptions, type TimingRow, type TimingStage } from './latency.js';
export { machineInfo, type MachineInfo } from './machine.js';
