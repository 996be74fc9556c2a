import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../splits/prng.js';
import { COLOURS, SHAPES, type SceneSpec } from './prompts.js';
import { insideShape, renderScene } from './raster.js';

/**
 * Connected regions (8-neighbour) of pixels closer to the shape colour than to the background
 * colour: the shapes a viewer would count.
 */
function countBlobs(data: Float32Array, size: number, shape: readonly number[], background: readonly number[]): number {
  const dist = (i: number, rgb: readonly number[]) =>
    Math.abs(data[i * 3] - rgb[0]) + Math.abs(data[i * 3 + 1] - rgb[1]) + Math.abs(data[i * 3 + 2] - rgb[2]);
  const on = new Uint8Array(size * size);
  for (let i = 0; i < size * size; i++) on[i] = dist(i, shape) < dist(i, background) ? 1 : 0;
  let blobs = 0;
  const stack: number[] = [];
  for (let start = 0; start < on.length; start++) {
    if (!on[start]) continue;
    blobs++;
    on[start] = 0;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const x = p % size;
      const y = (p - x) / size;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          const q = ny * size + nx;
          if (nx >= 0 && nx < size && ny >= 0 && ny < size && on[q]) {
            on[q] = 0;
            stack.push(q);
          }
        }
      }
    }
  }
  return blobs;
}

describe(renderScene.name, () => {
  it('draws exactly the number of shapes the scene names, in its colour', () => {
    const rng = Xoshiro128.fromKey('raster-test');
    for (const shape of SHAPES) {
      for (const count of [1, 3, 5]) {
        const scene: SceneSpec = { count, colour: 'red', shape, size: count === 5 ? 'large' : count === 3 ? 'small' : '', background: 'white' };
        const image = renderScene(scene, 224, rng);
        expect({ shape, count, blobs: countBlobs(image.data, 224, COLOURS.red, COLOURS.white) }).toEqual({ shape, count, blobs: count });
      }
    }
  });

  it('renders the same scene to the same bits for the same stream', () => {
    const scene: SceneSpec = { count: 4, colour: 'purple', shape: 'star', size: 'small', background: 'yellow' };
    const a = renderScene(scene, 64, Xoshiro128.fromKey('same'));
    const b = renderScene(scene, 64, Xoshiro128.fromKey('same'));
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  });
});

describe(insideShape.name, () => {
  it('tells the shapes apart at points where they differ', () => {
    // (0.8, 0.8): inside the square's corner only; (0, -0.95): near the apex of triangle and star.
    expect(SHAPES.map((s) => insideShape(s, 0.8, 0.8))).toEqual([false, true, false, false]);
    expect(SHAPES.map((s) => insideShape(s, 0, -0.95))).toEqual([true, false, true, true]);
    expect(SHAPES.map((s) => insideShape(s, 0.6, 0))).toEqual([true, true, false, false]);
  });
});
