import { AgiqaError } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activeTfjsBackend, initTfjsBackend, tfjsUsesGpu } from './backend.js';

/** Whether an optional package is installed here (CI and dev machines usually lack the native ones). */
async function installed(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

describe(initTfjsBackend.name, () => {
  it('tries the backends in the documented order and records why each was skipped', async () => {
    const hasGpu = await installed('@tensorflow/tfjs-node-gpu');
    const hasNode = await installed('@tensorflow/tfjs-node');
    const result = await initTfjsBackend();
    const expected = hasGpu ? 'tensorflow-gpu' : hasNode ? 'tensorflow' : 'wasm';
    expect(result.name).toBe(expected);
    expect(result.tried.map((t) => t.name)).toEqual(
      ['tensorflow-gpu', 'tensorflow', 'wasm'].slice(0, ['tensorflow-gpu', 'tensorflow', 'wasm'].indexOf(expected) + 1),
    );
    for (const skipped of result.tried.slice(0, -1)) expect(skipped.error).toMatch(/\S/);
    expect(result.tried.at(-1)?.error).toBeUndefined();
    expect(activeTfjsBackend()).toBe(expected);
  });

  it('starts with the preferred backend and computes on it', async () => {
    const result = await initTfjsBackend('wasm');
    expect(result).toEqual({ name: 'wasm', tried: [{ name: 'wasm' }] });
    expect(tf.getBackend()).toBe('wasm');
    const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
    expect(product).toBe(11);

    const cpu = await initTfjsBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(activeTfjsBackend()).toBe('cpu');
    await initTfjsBackend('wasm');
  });

  it('rejects an unknown backend name listing the valid ones', async () => {
    await expect(initTfjsBackend('webgpu' as never)).rejects.toThrow(AgiqaError);
    await expect(initTfjsBackend('webgpu' as never)).rejects.toThrow(/valid: tensorflow-gpu, tensorflow, wasm, cpu/);
  });
});

describe(tfjsUsesGpu.name, () => {
  it('is false on the wasm and cpu backends: only tfjs-node-gpu that placed work on a GPU counts', async () => {
    for (const name of ['wasm', 'cpu'] as const) {
      await initTfjsBackend(name);
      expect(tfjsUsesGpu()).toBe(false);
    }
  });
});
