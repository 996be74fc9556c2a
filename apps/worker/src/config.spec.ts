import { describe, expect, it } from 'vitest';
import { AgiqaError } from '@agiqa/contracts';
import { parseWorkerConfig } from './config.js';

const env = { AGIQA_HOME: '/tmp/agiqa-home' };

describe(parseWorkerConfig.name, () => {
  it('defaults to both roles on the first GPU queue with paths under AGIQA_HOME', () => {
    const config = parseWorkerConfig([], env);
    expect(config.role).toBe('all');
    expect(config.gpuQueue).toBe('agiqa-gpu');
    expect(config.paths).toEqual({ features: '/tmp/agiqa-home/features', artifacts: '/tmp/agiqa-home/artifacts' });
    expect(config.heartbeatTimeoutMs).toBe(60_000);
    expect(config.heartbeatIntervalMs).toBeLessThan(config.heartbeatTimeoutMs / 2);
  });

  it('serves the GPU queue named by --gpu-queue when it is configured', () => {
    const config = parseWorkerConfig(['--role', 'gpu', '--gpu-queue', 'gpu-1'], { ...env, AGIQA_GPU_QUEUES: 'gpu-0, gpu-1' });
    expect(config).toMatchObject({ role: 'gpu', gpuQueue: 'gpu-1', gpuQueues: ['gpu-0', 'gpu-1'] });
  });

  it('rejects an unknown role naming the flag', () => {
    expect(() => parseWorkerConfig(['--role', 'tpu'], env)).toThrow(/--role must be one of cpu, gpu, all/);
  });

  it('rejects a GPU queue that is not configured, listing the configured ones', () => {
    expect(() => parseWorkerConfig(['--gpu-queue', 'gpu-9'], { ...env, AGIQA_GPU_QUEUES: 'gpu-0,gpu-1' })).toThrow(/gpu-9.*gpu-0, gpu-1/);
  });

  it('rejects unknown flags and bad environment values as invalid input', () => {
    const flag = catchError(() => parseWorkerConfig(['--rol', 'cpu'], env));
    expect(flag.code).toBe('invalid_input');
    expect(flag.message).toContain('--rol');
    const variable = catchError(() => parseWorkerConfig([], { ...env, AGIQA_HEARTBEAT_TIMEOUT_S: '-5' }));
    expect(variable.details[0].path).toBe('AGIQA_HEARTBEAT_TIMEOUT_S');
  });
});

function catchError(fn: () => unknown): AgiqaError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AgiqaError) return error;
    throw error;
  }
  throw new Error('expected an AgiqaError');
}
