import { cpus, hostname, platform, release, totalmem } from 'node:os';
import type { MachineInfo } from './activities/index.js';

/** What is recorded as `Run.machine` for every run this worker trains. */
export function describeMachine(gpuQueue?: string): MachineInfo {
  const cpuList = cpus();
  return {
    hostname: hostname(),
    platform: `${platform()} ${release()}`,
    cpu: cpuList[0]?.model?.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    ...(gpuQueue ? { gpuQueue } : {}),
  };
}
