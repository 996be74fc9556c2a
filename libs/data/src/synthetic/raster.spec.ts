import { describe, expect, it } from 'vitest';
import { rngFromKey, shuffle } from '@agiqa/contracts';
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
    const rng = rngFromKey('raster-test');
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
    const a = renderScene(scene, 64, rngFromKey('same'));
    const b = renderScene(scene, 64, rngFromKey('same'));
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

describe('renderScene shortcuts', () => {
  it('cover exactly the pixels the per-subsample test covers', () => {
    // Brute force: every pixel of the canvas tested at its 4 subsamples, no shortcuts.
    for (const shape of SHAPES) {
      const scene: SceneSpec = { count: 2, colour: 'blue', shape, size: 'large', background: 'black' };
      const rendered = renderScene(scene, 120, rngFromKey(`shortcut-${shape}`));
      const rng = rngFromKey(`shortcut-${shape}`);
      const cell = 120 / 3;
      const cells = shuffle(Array.from({ length: 9 }, (_, i) => i), rng).slice(0, 2);
      const radius = cell * 0.36;
      const coverage = new Float32Array(120 * 120);
      for (const c of cells) {
        const cx = ((c % 3) + 0.5) * cell + (rng.nextFloat() - 0.5) * 0.2 * cell;
        const cy = (Math.floor(c / 3) + 0.5) * cell + (rng.nextFloat() - 0.5) * 0.2 * cell;
        for (let y = 0; y < 120; y++) {
          for (let x = 0; x < 120; x++) {
            let hits = 0;
            for (const sy of [0.25, 0.75]) for (const sx of [0.25, 0.75]) if (insideShape(shape, (x + sx - cx) / radius, (y + sy - cy) / radius)) hits++;
            if (hits > 0) coverage[y * 120 + x] = hits / 4;
          }
        }
      }
      // Blue on black: the blue channel is 25 + (220 − 25)·coverage (+ the gradient shade).
      for (let i = 0; i < 120 * 120; i++) {
        const shade = 10 - (20 * Math.floor(i / 120)) / 120;
        const expected = 25 + shade + (220 - (25 + shade)) * coverage[i];
        expect(Math.abs(rendered.data[i * 3 + 2] - expected)).toBeLessThan(1e-3);
      }
    }
  });
});
