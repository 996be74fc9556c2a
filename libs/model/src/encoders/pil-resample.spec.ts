import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from './fixtures.js';
import { pilResize } from './pil-resample.js';

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

describe(pilResize.name, () => {
  it.each(reference.cases.map((c) => [`${c.filter} ${c.width}x${c.height} → ${c.outWidth}x${c.outHeight}`, c] as const))(
    'reproduces Pillow byte for byte: %s',
    (_label, c) => {
      const input = new Uint8Array(Buffer.from(c.input, 'base64'));
      const out = pilResize({ data: input, width: c.width, height: c.height }, c.outWidth, c.outHeight, c.resample);
      expect(out.width).toBe(c.outWidth);
      expect(out.height).toBe(c.outHeight);
      expect(Buffer.from(out.data).equals(Buffer.from(c.output, 'base64'))).toBe(true);
    },
  );

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
