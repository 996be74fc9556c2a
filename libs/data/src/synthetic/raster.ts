import { shuffle, type Rng } from '@agiqa/contracts';
import { COLOURS, type SceneSpec, type Shape } from './prompts.js';

/**
 * A tiny rasteriser for the synthetic dataset: flat shapes on a gradient background, written into
 * an RGB float buffer. No canvas dependency, and only + − × ÷ and comparisons on the pixel path
 * (no transcendental functions), so the same scene renders to the same bits on every machine.
 */

/** An RGB image: `data` is [height, width, 3] row-major, values 0–255 (floats until encoding). */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** 5-pointed star, outer radius 1, inner 0.45, first point up; precomputed so no sin/cos runs. */
const STAR: ReadonlyArray<readonly [number, number]> = [
  [0, -1], [0.264503, -0.364058], [0.951057, -0.309017], [0.427975, 0.139058], [0.587785, 0.809017],
  [0, 0.45], [-0.587785, 0.809017], [-0.427975, 0.139058], [-0.951057, -0.309017], [-0.264503, -0.364058],
];
const SQRT3 = Math.sqrt(3);

/** Whether the point (u, v), in units of the shape's radius from its centre, is inside the shape. */
export function insideShape(shape: Shape, u: number, v: number): boolean {
  switch (shape) {
    case 'circle':
      return u * u + v * v <= 1;
    case 'square':
      return u >= -0.85 && u <= 0.85 && v >= -0.85 && v <= 0.85;
    case 'triangle':
      // Equilateral, apex up: below the two upper edges and above the base.
      return v <= 0.5 && v >= -1 + SQRT3 * (u < 0 ? -u : u);
    case 'star': {
      let inside = false;
      for (let i = 0, j = STAR.length - 1; i < STAR.length; j = i++) {
        const [xi, yi] = STAR[i];
        const [xj, yj] = STAR[j];
        if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    }
  }
}

/**
 * Radius (in shape radii) of a disc centred on the shape that lies wholly inside it, with a margin:
 * pixels whose subsamples all fall in that disc are fully covered without testing each subsample.
 * `OUTER` bounds each shape (1 radius; the square's corners reach 0.85·√2 ≈ 1.2), so pixels beyond
 * are skipped. Both shortcuts give exactly what the per-subsample test would.
 */
const INNER: Record<Shape, number> = { circle: 0.99, square: 0.84, triangle: 0.49, star: 0.44 };
const OUTER: Record<Shape, number> = { circle: 1.01, square: 1.21, triangle: 1.01, star: 1.01 };
/** Farthest a 2×2 subsample lies from its pixel's centre (0.25·√2 ≈ 0.354 px), rounded up. */
const SUBSAMPLE_REACH = 0.36;

/** Fraction of the shape's radius per size word: shapes always fit their grid cell. */
const RADIUS = { small: 0.2, '': 0.28, large: 0.36 } as const;
const GRID = 3;
/** 2×2 supersampling offsets within a pixel, for anti-aliased edges. */
const SUBSAMPLES = [0.25, 0.75];

/**
 * Draws `scene`: a vertical gradient of the background colour, then `count` shapes in distinct
 * cells of a 3×3 grid (jittered ±10% of a cell), so shapes never overlap and can be counted.
 */
export function renderScene(scene: SceneSpec, size: number, rng: Rng): RgbImage {
  const data = new Float32Array(size * size * 3);
  const bg = COLOURS[scene.background];
  for (let y = 0; y < size; y++) {
    const shade = 10 - (20 * y) / size; // [-10, 10]: light at the top
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3;
      data[o] = bg[0] + shade;
      data[o + 1] = bg[1] + shade;
      data[o + 2] = bg[2] + shade;
    }
  }
  const cell = size / GRID;
  const cells = shuffle(Array.from({ length: GRID * GRID }, (_, i) => i), rng).slice(0, scene.count);
  const radius = cell * RADIUS[scene.size];
  const colour = COLOURS[scene.colour];
  for (const c of cells) {
    const cx = ((c % GRID) + 0.5) * cell + (rng.nextFloat() - 0.5) * 0.2 * cell;
    const cy = (Math.floor(c / GRID) + 0.5) * cell + (rng.nextFloat() - 0.5) * 0.2 * cell;
    const reach = OUTER[scene.shape] * radius + 1;
    const x0 = Math.max(0, Math.floor(cx - reach));
    const x1 = Math.min(size - 1, Math.ceil(cx + reach));
    const y0 = Math.max(0, Math.floor(cy - reach));
    const y1 = Math.min(size - 1, Math.ceil(cy + reach));
    const inner = INNER[scene.shape] * radius - SUBSAMPLE_REACH;
    const outer = OUTER[scene.shape] * radius + SUBSAMPLE_REACH;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const d2 = dx * dx + dy * dy;
        if (d2 > outer * outer) continue;
        let hits = 4;
        if (inner <= 0 || d2 >= inner * inner) {
          hits = 0;
          for (const sy of SUBSAMPLES) {
            for (const sx of SUBSAMPLES) {
              if (insideShape(scene.shape, (x + sx - cx) / radius, (y + sy - cy) / radius)) hits++;
            }
          }
          if (hits === 0) continue;
        }
        const a = hits / 4;
        const o = (y * size + x) * 3;
        data[o] += (colour[0] - data[o]) * a;
        data[o + 1] += (colour[1] - data[o + 1]) * a;
        data[o + 2] += (colour[2] - data[o + 2]) * a;
      }
    }
  }
  return { width: size, height: size, data };
}
