import { describe, expect, it } from 'vitest';
import { decodeImage, outputSize, parseImagePreprocessing, preprocessInto } from './image-preprocess.js';
import { fixturePath } from './fixtures.js';

const clip224 = {
  do_resize: true,
  size: { shortest_edge: 224 },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: 224, width: 224 },
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
};

describe(parseImagePreprocessing.name, () => {
  it("reads CLIP ViT-B/32's processor config", () => {
    const p = parseImagePreprocessing(clip224);
    expect(p).toMatchObject({ resize: { shortestEdge: 224 }, resample: 3, crop: { height: 224, width: 224 } });
    expect(outputSize(p)).toEqual({ height: 224, width: 224 });
  });

  it('reads the older integer form of size and crop_size as shortest edge and square crop', () => {
    const p = parseImagePreprocessing({ ...clip224, size: 224, crop_size: 224 });
    expect(p.resize).toEqual({ shortestEdge: 224 });
    expect(p.crop).toEqual({ height: 224, width: 224 });
  });

  it('rejects options it does not implement, naming the file and field', () => {
    expect(() => parseImagePreprocessing({ ...clip224, do_pad: true }, 'x/preprocessor_config.json')).toThrow(
      'x/preprocessor_config.json: do_pad is not supported',
    );
    expect(() => parseImagePreprocessing({ ...clip224, size: { longest_edge: 3 } })).toThrow(/size must be an integer/);
    expect(() => parseImagePreprocessing({ ...clip224, image_std: [1, 0, 1] })).toThrow(/image_std must not contain 0/);
  });
});

describe(preprocessInto.name, () => {
  it('writes channel-first pixels, normalised, at the given offset', async () => {
    const image = await decodeImage(fixturePath('images/square-32.png'));
    const p = parseImagePreprocessing({ ...clip224, size: { shortest_edge: 32 }, crop_size: { height: 32, width: 32 } });
    const out = new Float32Array(2 * 3 * 32 * 32);
    expect(preprocessInto(image, p, out, 3 * 32 * 32)).toBe(3 * 32 * 32);
    expect(out.subarray(0, 3 * 32 * 32).every((v) => v === 0)).toBe(true);
    // Pixel (0, 0), green channel: plane 1 of the second image.
    const expected = Math.fround(Math.fround(Math.fround(image.data[1] * (1 / 255)) - Math.fround(0.4578275)) / Math.fround(0.26130258));
    expect(out[3 * 32 * 32 + 32 * 32]).toBeCloseTo(expected, 6);
  });

  it('pads with zeros (before normalisation) when the crop is larger than the resized image', () => {
    const p = parseImagePreprocessing({ do_resize: false, do_center_crop: true, crop_size: { height: 4, width: 4 }, do_rescale: false, do_normalize: false });
    const out = new Float32Array(3 * 16);
    preprocessInto({ data: new Uint8Array(2 * 2 * 3).fill(9), width: 2, height: 2 }, p, out);
    expect(Array.from(out.subarray(0, 16))).toEqual([0, 0, 0, 0, 0, 9, 9, 0, 0, 9, 9, 0, 0, 0, 0, 0]);
  });
});
