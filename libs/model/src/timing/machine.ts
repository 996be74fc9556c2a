import { execFileSync } from 'node:child_process';
import { arch, cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';
import { runtimeVersions } from '../encoders/runtime.js';

/** The machine a measurement was taken on, stored with every timing row. */
export interface MachineInfo {
  hostname: string;
  platform: string;
  arch: string;
  osRelease: string;
  cpuModel: string;
  /** Logical cores visible to the process. */
  cores: number;
  totalMemoryGiB: number;
  /** GPU names from nvidia-smi, or null when there is none (or no driver). */
  gpu: string[] | null;
  node: string;
  transformers: string;
  onnxruntime: string;
  /** onnxruntime execution provider the encoders ran on. */
  encoderDevice: 'cpu';
  /** tfjs backend of the head stage, as the caller reports it (null without a head). */
  tfjsBackend: string | null;
  /** 1-minute load average when measured: a busy, shared machine makes every number pessimistic. */
  loadAverage1m: number;
}

let gpuNames: string[] | null | undefined;

function detectGpus(): string[] | null {
  if (gpuNames !== undefined) return gpuNames;
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 3000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const names = out.split('\n').map((line) => line.trim()).filter(Boolean);
    gpuNames = names.length > 0 ? names : null;
  } catch {
    gpuNames = null;
  }
  return gpuNames;
}

/** Describes this machine (nvidia-smi is asked once per process). */
export function machineInfo(tfjsBackend: string | null = null): MachineInfo {
  const cpu = cpus();
  const versions = runtimeVersions();
  return {
    hostname: hostname(),
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    gpu: detectGpus(),
    node: process.version,
    transformers: versions.transformers,
    onnxruntime: versions.onnxruntime,
    encoderDevice: 'cpu',
    tfjsBackend,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}
