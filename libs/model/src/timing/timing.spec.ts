import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../encoders/fixtures.js';
import { resolveEncoder } from '../encoders/registry.js';
import { releaseEncoders } from '../encoders/runtime.js';
import { measureLatency, TIMING_STAGES, type HeadBatch } from './latency.js';
import { machineInfo } from './machine.js';
import { median, p90, quantile } from '../stats/quantiles.js';

afterAll(releaseEncoders);

describe(quantile.name, () => {
  it('interpolates linearly between closest ranks, as NumPy does', () => {
    // numpy.quantile([1, 2, 3, 4], [0.5, 0.9]) == [2.5, 3.7]
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(p90([4, 1, 3, 2])).toBeCloseTo(3.7, 12);
    // numpy.quantile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == 91
    expect(p90([100, 90, 80, 70, 60, 50, 40, 30, 20, 10])).toBeCloseTo(91, 12);
    expect(median([7])).toBe(7);
    expect(quantile([3, 1, 2], 0)).toBe(1);
    expect(quantile([3, 1, 2], 1)).toBe(3);
  });

  it('rejects an empty list and a q outside [0, 1]', () => {
    expect(() => median([])).toThrow('quantile of an empty list');
    expect(() => quantile([1], 1.5)).toThrow('quantile q must lie in [0, 1], got 1.5');
  });
});

describe(measureLatency.name, () => {
  const text = resolveEncoder('tiny-distilbert', { threads: 1 });
  const image = resolveEncoder('tiny-clip', { threads: 1 });
  const prompts = ['a red circle on a white background', 'Good photo.', 'three blue squares, oil painting'];
  const imagePaths = ['images/square-32.png', 'images/wide-80x48.png', 'images/tall-40x96.jpg'].map(fixturePath);

  it('measures every stage at every batch size, hands the head the batch, and records the machine', async () => {
    const seen: { batch: number; tokens: number; dim: number; pooled: number }[] = [];
    const head = (batch: HeadBatch) => {
      seen.push({ batch: batch.text.batch, tokens: batch.text.tokens, dim: batch.text.dim, pooled: batch.image.pooled?.length ?? 0 });
    };
    const rows = await measureLatency({ text, image, head, fusion: 'probe', tfjsBackend: 'cpu', prompts, imagePaths, batchSizes: [1, 2], warmup: 1, repeats: 3 });

    expect(rows.map((r) => `${r.batchSize}:${r.stage}`)).toEqual([1, 2].flatMap((b) => TIMING_STAGES.map((s) => `${b}:${s}`)));
    // (warm-up + repeats) iterations per batch size, each with a full batch of F_I and F_T.
    expect(seen).toHaveLength(8);
    expect(seen.slice(4).every((s) => s.batch === 2 && s.dim === 32 && s.pooled === 2 * 32)).toBe(true);
    for (const row of rows) {
      expect(row.samples).toBe(3);
      expect(row.samplesMs.every((ms) => ms >= 0)).toBe(true);
      expect(row.batchMedianMs).toBeCloseTo(median(row.samplesMs), 9);
      expect(row.medianMs).toBeCloseTo(row.batchMedianMs / row.batchSize, 9);
      expect(row.p90Ms).toBeCloseTo(p90(row.samplesMs) / row.batchSize, 9);
      expect(row).toMatchObject({ textEncoder: 'tiny-distilbert', imageEncoder: 'tiny-clip', fusion: 'probe' });
      expect(row.machine).toMatchObject({ encoderDevice: 'cpu', tfjsBackend: 'cpu', node: process.version });
    }
    expect(rows.find((r) => r.stage === 'head')?.backend).toBe('tfjs-cpu');
    expect(rows.find((r) => r.stage === 'text_encode')?.backend).toBe('onnxruntime-cpu');
    // The total of an iteration covers its stages.
    for (const batchSize of [1, 2]) {
      const of = (stage: string) => rows.find((r) => r.batchSize === batchSize && r.stage === stage)?.samplesMs ?? [];
      of('total').forEach((total, i) => {
        const sum = TIMING_STAGES.filter((s) => s !== 'total').reduce((acc, s) => acc + of(s)[i], 0);
        expect(total).toBeGreaterThanOrEqual(sum - 1e-6);
      });
    }
  });

  it('leaves the head stage out when no head is given', async () => {
    const rows = await measureLatency({ text, image, prompts, imagePaths, batchSizes: [1], warmup: 0, repeats: 1 });
    expect(rows.map((r) => r.stage)).toEqual(['tokenize', 'text_encode', 'image_preprocess', 'image_encode', 'total']);
    expect(rows[0]).toMatchObject({ fusion: null, backend: 'onnxruntime-cpu' });
  });

  it('rejects empty inputs and invalid counts, naming the field', async () => {
    await expect(measureLatency({ text, image, prompts: [], imagePaths, batchSizes: [1], warmup: 0, repeats: 1 })).rejects.toMatchObject({
      details: [{ path: 'prompts' }],
    });
    await expect(measureLatency({ text, image, prompts, imagePaths, batchSizes: [0], warmup: 0, repeats: 1 })).rejects.toThrow(/batchSizes/);
    await expect(measureLatency({ text, image, prompts, imagePaths, batchSizes: [1], warmup: 0, repeats: 0 })).rejects.toThrow(/repeats/);
  });
});

describe(machineInfo.name, () => {
  it('describes the CPU, memory, runtime versions and the backend it is given', () => {
    const info = machineInfo('wasm');
    expect(info.cores).toBeGreaterThan(0);
    expect(info.totalMemoryGiB).toBeGreaterThan(0);
    expect(info.transformers).toBe('4.3.1');
    expect(info.onnxruntime).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.tfjsBackend).toBe('wasm');
    expect(info.gpu === null || info.gpu.length > 0).toBe(true);
  });
});
