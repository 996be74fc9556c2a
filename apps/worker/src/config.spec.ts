import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AgiqaError } from '@agiqa/contracts';
import { parseWorkerConfig } from './config.js';

const env = { AGIQA_HOME: '/tmp/agiqa-home' };

describe(parseWorkerConfig.name, () => {
  it('defaults to both roles on the first GPU queue with paths under AGIQA_HOME', () => {
    const config = parseWorkerConfig([], env);
    expect(config.role).toBe('all');
    expect(config.gpuQueue).toBe('agiqa-gpu');
    expect(config.paths).toEqual({ work: '/tmp/agiqa-home/work' });
    expect(config.artifacts.location).toEqual({ kind: 'file', root: '/tmp/agiqa-home/artifacts' });
    // Short by default (a killed worker's cell resumes seconds after it); longer for slow epochs, up to the ceiling.
    expect(config.heartbeatTimeoutMs).toBe(15_000);
    expect(config.heartbeatTimeoutMaxMs).toBe(600_000);
    expect(config.heartbeatIntervalMs).toBeLessThan(config.heartbeatTimeoutMs / 2);
  });

  it('reads an S3 artefact store from AGIQA_ARTIFACTS and the standard AWS variables', () => {
    const config = parseWorkerConfig([], { ...env, AGIQA_ARTIFACTS: 's3://agiqa/runs', AWS_ENDPOINT_URL_S3: 'http://s3:9000', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' });
    expect(config.artifacts.location).toEqual({ kind: 's3', bucket: 'agiqa', prefix: 'runs' });
    expect(config.artifacts.s3).toMatchObject({ endpoint: 'http://s3:9000', forcePathStyle: true });
    expect(() => parseWorkerConfig([], { ...env, AGIQA_ARTIFACTS: '/not/a/url' })).toThrow(/AGIQA_ARTIFACTS/);
  });

  it('serves the GPU queue named by --gpu-queue when it is configured', () => {
    const config = parseWorkerConfig(['--role', 'gpu', '--gpu-queue', 'gpu-1'], { ...env, AGIQA_GPU_QUEUES: 'gpu-0, gpu-1' });
    expect(config).toMatchObject({ role: 'gpu', gpuQueue: 'gpu-1', gpuQueues: ['gpu-0', 'gpu-1'] });
  });

  it('pins a training worker to one GPU with --device and lets a gpu worker train on the CPU with --allow-cpu', () => {
    expect(parseWorkerConfig([], env)).toMatchObject({ device: null, allowCpu: false });
    expect(parseWorkerConfig(['--role', 'gpu', '--device', '2', '--allow-cpu'], env)).toMatchObject({ role: 'gpu', device: 2, allowCpu: true });
  });

  it('rejects a --device that is not a GPU index, and --device / --allow-cpu on a cpu worker', () => {
    for (const bad of ['-1', 'cuda:0', '1.5', '']) {
      const error = catchError(() => parseWorkerConfig(['--role', 'gpu', `--device=${bad}`], env));
      expect(error.details[0].path).toBe('--device');
    }
    expect(() => parseWorkerConfig(['--role', 'cpu', '--device', '0'], env)).toThrow(/apply to workers that train/);
    expect(() => parseWorkerConfig(['--role', 'cpu', '--allow-cpu'], env)).toThrow(/apply to workers that train/);
  });

  it('rejects an unknown role naming the flag', () => {
    expect(() => parseWorkerConfig(['--role', 'tpu'], env)).toThrow(/--role must be one of cpu, gpu, all/);
  });

  it('rejects a GPU queue that is not configured, listing the configured ones', () => {
    expect(() => parseWorkerConfig(['--gpu-queue', 'gpu-9'], { ...env, AGIQA_GPU_QUEUES: 'gpu-0,gpu-1' })).toThrow(/gpu-9.*gpu-0, gpu-1/);
  });

  it('runs the encoders on every available core without spinning, 32 images a batch, unless told otherwise', () => {
    expect(parseWorkerConfig([], env).encoders).toEqual({ threads: availableParallelism(), spinning: false, imageBatch: 32 });
    const tuned = parseWorkerConfig([], { ...env, AGIQA_ENCODER_THREADS: '3', AGIQA_ENCODER_SPIN: '1', AGIQA_EXTRACT_BATCH: '8' });
    expect(tuned.encoders).toEqual({ threads: 3, spinning: true, imageBatch: 8 });
    expect(catchError(() => parseWorkerConfig([], { ...env, AGIQA_ENCODER_THREADS: '0' })).details[0].path).toBe('AGIQA_ENCODER_THREADS');
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
