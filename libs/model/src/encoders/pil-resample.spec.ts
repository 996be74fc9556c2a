import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wasmModuleSource } from '../testing/wasm-module.js';
import { fixturePath } from './fixtures.js';
import { pilResize, pilResizeInJs, type RgbImage } from './pil-resample.js';

interface ResizeCase {
  filter: string;
  resample: number;
  width: number;
  height: number;
  outWidth: number;
  outHeight: number;
  input: string;
  output: string;
}

const reference = JSON.parse(readFileSync(fixturePath('images/resize-reference.json'), 'utf8')) as { pillow: string; cases: ResizeCase[] };

/** A reproducible image with every value from 0 to 255 and runs of 0 and 255 (the clamps). */
function randomImage(width: number, height: number, next: () => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = next() < 0.1 ? (next() < 0.5 ? 0 : 255) : Math.floor(next() * 256);
  return { data, width, height };
}

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

describe(pilResize.name, () => {
  it.each(reference.cases.map((c) => [`${c.filter} ${c.width}x${c.height} → ${c.outWidth}x${c.outHeight}`, c] as const))(
    'reproduces Pillow byte for byte, in WebAssembly and in JavaScript: %s',
    (_label, c) => {
      const input = new Uint8Array(Buffer.from(c.input, 'base64'));
      for (const resize of [pilResize, pilResizeInJs]) {
        const out = resize({ data: input, width: c.width, height: c.height }, c.outWidth, c.outHeight, c.resample);
        expect(out.width).toBe(c.outWidth);
        expect(out.height).toBe(c.outHeight);
        expect(Buffer.from(out.data).equals(Buffer.from(c.output, 'base64'))).toBe(true);
      }
    },
  );

  it('gives the JavaScript reference byte for byte on random sizes, filters and a large image', () => {
    const next = lcg(7);
    const cases = Array.from({ length: 400 }, () => ({
      width: 1 + Math.floor(next() * 200),
      height: 1 + Math.floor(next() * 200),
      outWidth: 1 + Math.floor(next() * 200),
      outHeight: 1 + Math.floor(next() * 200),
      resample: 1 + Math.floor(next() * 5),
    }));
    // A camera-size photo down to CLIP's 224 px: grows the kernels' memory past its first page.
    cases.push({ width: 2048, height: 1536, outWidth: 298, outHeight: 224, resample: 3 });
    for (const c of cases) {
      const image = randomImage(c.width, c.height, next);
      const fast = pilResize(image, c.outWidth, c.outHeight, c.resample);
      const reference = pilResizeInJs(image, c.outWidth, c.outHeight, c.resample);
      expect({ ...c, equal: Buffer.from(fast.data).equals(Buffer.from(reference.data)) }).toEqual({ ...c, equal: true });
    }
  });

  it('runs the WebAssembly assembled from pil-resample.wat (regenerate with: npx vitest run src/encoders/pil-resample -u)', async () => {
    const text = await wasmModuleSource(new URL('./pil-resample.wat', import.meta.url), 'PIL_RESAMPLE_WASM_BASE64', 'src/encoders/pil-resample.spec.ts');
    await expect(text).toMatchFileSnapshot('./pil-resample-wasm.ts');
  });

  it('covers both pass orders of Pillow 13', () => {
    const verticalFirst = reference.cases.filter((c) => c.height - c.outHeight > 2 * Math.max(c.width - c.outWidth, 0));
    expect(verticalFirst.length).toBeGreaterThan(0);
    expect(verticalFirst.length).toBeLessThan(reference.cases.length);
  });

  it('returns a copy for an unchanged size', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const out = pilResize({ data, width: 2, height: 1 }, 2, 1, 3);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(out.data).not.toBe(data);
  });

  it('rejects a filter it does not implement, listing the ones it does', () => {
    expect(() => pilResize({ data: new Uint8Array(12), width: 2, height: 2 }, 3, 3, 0)).toThrow(/unsupported resample 0: supported Pillow filters are 1 \(lanczos\), 2 \(bilinear\), 3 \(bicubic\), 4 \(box\), 5 \(hamming\)/);
  });
});
