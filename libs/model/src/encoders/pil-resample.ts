import { invalidInput } from '@agiqa/contracts';
import { wasmBytes, WebAssemblyJs } from '../kernels/webassembly.js';
import { PIL_RESAMPLE_WASM_BASE64 } from './pil-resample-wasm.js';

/**
 * Pillow's `Image.resize` for 8-bit RGB images, reproduced bit for bit (libImaging/Resample.c):
 * separable convolution in two passes, coefficients normalised per output pixel and rounded to
 * 22-bit fixed point, results clipped to 0..255 after each pass.
 *
 * Hugging Face's CLIP image processor resizes with Pillow; transformers.js resizes with sharp's
 * affine transform, which differs by several grey levels on downscales. Our features must match the
 * reference implementation, so the resize is ours.
 *
 * The two passes run as WebAssembly SIMD kernels (pil-resample.wat, assembled into
 * pil-resample-wasm.ts by pil-resample.spec.ts; 4 to 16 channel values per instruction, same int32
 * arithmetic): in plain JavaScript they cost 8.7 ms per 512 px image, more
 * than anything else outside the encoders. The JavaScript passes below stay as the readable
 * reference the kernels are tested against (`pilResizeInJs`).
 */

/** Pillow's `Image.Resampling` numbers, as stored in preprocessor_config.json `resample`. */
export const PIL_RESAMPLING = { nearest: 0, lanczos: 1, bilinear: 2, bicubic: 3, box: 4, hamming: 5 } as const;

interface ResampleFilter {
  /** Half-width of the kernel at scale 1. */
  support: number;
  weight(x: number): number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** Filters by Pillow number; nearest is a different code path in Pillow and is not offered. */
const FILTERS: Partial<Record<number, ResampleFilter>> = {
  [PIL_RESAMPLING.box]: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  [PIL_RESAMPLING.bilinear]: { support: 1, weight: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  [PIL_RESAMPLING.hamming]: {
    support: 1,
    weight(x) {
      const ax = Math.abs(x);
      if (ax === 0) return 1;
      if (ax >= 1) return 0;
      const px = ax * Math.PI;
      return (Math.sin(px) / px) * (0.54 + 0.46 * Math.cos(px));
    },
  },
  [PIL_RESAMPLING.bicubic]: {
    support: 2,
    weight(x) {
      // Keys' cubic convolution with a = -0.5.
      const a = -0.5;
      const ax = Math.abs(x);
      if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
      return 0;
    },
  },
  [PIL_RESAMPLING.lanczos]: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;

interface Coefficients {
  /** Per output pixel: first input index and number of taps. */
  bounds: Int32Array;
  /** [outSize, ksize] fixed-point weights. */
  weights: Int32Array;
  ksize: number;
}

function precompute(inSize: number, outSize: number, filter: ResampleFilter): Coefficients {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      // Pillow rounds half away from zero when converting to fixed point.
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, weights, ksize };
}

function clip8(value: number): number {
  const v = value >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** An 8-bit interleaved RGB image, `[height, width, 3]`. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** One implementation of the two passes: the WebAssembly kernels or the JavaScript reference. */
interface Passes {
  horizontal(src: RgbImage, rowOffset: number, rows: number, outWidth: number, c: Coefficients): RgbImage;
  vertical(src: RgbImage, outHeight: number, c: Coefficients): RgbImage;
}

/**
 * Resizes like `PIL.Image.resize((width, height), resample)` on an RGB image (no box, no
 * reducing_gap): same size returns a copy; only the dimensions that change get a pass.
 */
export function pilResize(image: RgbImage, width: number, height: number, resample: number): RgbImage {
  return resize(image, width, height, resample, WASM_PASSES);
}

/** `pilResize` with the passes in plain JavaScript: the reference of the WebAssembly kernels. */
export function pilResizeInJs(image: RgbImage, width: number, height: number, resample: number): RgbImage {
  return resize(image, width, height, resample, JS_PASSES);
}

function resize(image: RgbImage, width: number, height: number, resample: number, passes: Passes): RgbImage {
  if (image.width === width && image.height === height) return { ...image, data: image.data.slice() };
  const filter = FILTERS[resample];
  if (filter === undefined) {
    const names = Object.entries(PIL_RESAMPLING)
      .filter(([, id]) => FILTERS[id] !== undefined)
      .map(([name, id]) => `${id} (${name})`);
    throw invalidInput(`unsupported resample ${resample}: supported Pillow filters are ${names.join(', ')}`, [
      { path: 'preprocessor_config.json:resample', message: `unsupported value ${resample}` },
    ]);
  }
  const needHorizontal = width !== image.width;
  const needVertical = height !== image.height;
  const horiz = precompute(image.width, width, filter);
  const vert = precompute(image.height, height, filter);

  // Pillow 13 runs the vertical pass first when it shrinks the image by more than twice what the
  // horizontal pass does (found by comparing its output with both orders over thousands of random
  // sizes and every filter; libImaging before 13 always went horizontal first). The order changes
  // the 8-bit intermediate and therefore the result.
  if (needHorizontal && needVertical && image.height - height > 2 * Math.max(image.width - width, 0)) {
    const tall = passes.vertical(image, height, vert);
    return passes.horizontal(tall, 0, height, width, horiz);
  }
  let current = image;
  if (needHorizontal) {
    // Only the source rows the vertical pass will read.
    const first = vert.bounds[0];
    const last = vert.bounds[(height - 1) * 2] + vert.bounds[(height - 1) * 2 + 1];
    for (let yy = 0; yy < height; yy++) vert.bounds[yy * 2] -= first;
    current = passes.horizontal(image, first, last - first, width, horiz);
  }
  if (needVertical) current = passes.vertical(current, height, vert);
  return current;
}

const JS_PASSES: Passes = { horizontal: horizontalPass, vertical: verticalPass };

function horizontalPass(src: RgbImage, rowOffset: number, rows: number, outWidth: number, c: Coefficients): RgbImage {
  const out = new Uint8Array(rows * outWidth * 3);
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < rows; y++) {
    const rowStart = (y + rowOffset) * src.width * 3;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = c.bounds[xx * 2];
      const taps = c.bounds[xx * 2 + 1];
      const kOffset = xx * c.ksize;
      let r = half;
      let g = half;
      let b = half;
      for (let x = 0; x < taps; x++) {
        const w = c.weights[kOffset + x];
        const p = rowStart + (x + xmin) * 3;
        r += src.data[p] * w;
        g += src.data[p + 1] * w;
        b += src.data[p + 2] * w;
      }
      const o = (y * outWidth + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { data: out, width: outWidth, height: rows };
}

function verticalPass(src: RgbImage, outHeight: number, c: Coefficients): RgbImage {
  const out = new Uint8Array(outHeight * src.width * 3);
  const half = 1 << (PRECISION_BITS - 1);
  const stride = src.width * 3;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = c.bounds[yy * 2];
    const taps = c.bounds[yy * 2 + 1];
    const kOffset = yy * c.ksize;
    for (let xx = 0; xx < src.width; xx++) {
      let r = half;
      let g = half;
      let b = half;
      for (let y = 0; y < taps; y++) {
        const w = c.weights[kOffset + y];
        const p = (y + ymin) * stride + xx * 3;
        r += src.data[p] * w;
        g += src.data[p + 1] * w;
        b += src.data[p + 2] * w;
      }
      const o = yy * stride + xx * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { data: out, width: src.width, height: outHeight };
}

// --- WebAssembly kernels ----------------------------------------------------------------------

/** The exports of pil-resample.wat. Pointers and sizes are byte offsets into `memory`. */
interface Kernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  horizontal(src: number, srcStride: number, rows: number, outWidth: number, bounds: number, weights: number, ksize: number, out: number): void;
  vertical(src: number, stride: number, outHeight: number, bounds: number, weights: number, ksize: number, out: number): void;
}

let kernels: Kernels | undefined;

/** Instantiated on first use (632 bytes, synchronous) and kept: each call reuses its memory. */
function wasmKernels(): Kernels {
  kernels ??= new WebAssemblyJs.Instance(new WebAssemblyJs.Module(wasmBytes(PIL_RESAMPLE_WASM_BASE64))).exports as unknown as Kernels;
  return kernels;
}

/** The kernels read and write up to 15 bytes past a buffer's end. */
const PAD = 16;

/**
 * Places buffers of `sizes` bytes one after another in the kernels' memory, each 16-aligned and
 * padded, growing it when needed; returns their offsets.
 */
function reserve(k: Kernels, sizes: readonly number[]): number[] {
  const offsets: number[] = [];
  let end = 0;
  for (const size of sizes) {
    offsets.push(end);
    end += Math.ceil((size + PAD) / 16) * 16;
  }
  const missing = end - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  return offsets;
}

/** Where a pass's buffers lie in the kernels' memory (byte offsets). */
interface PassBuffers {
  src: number;
  bounds: number;
  weights: number;
  out: number;
}

/**
 * Copies `src` and the coefficients into the kernels' memory, runs `pass` on them and returns the
 * `outBytes` it wrote.
 */
function runPass(src: Uint8Array, c: Coefficients, outBytes: number, pass: (k: Kernels, at: PassBuffers) => void): Uint8Array {
  const k = wasmKernels();
  const [srcAt, boundsAt, weightsAt, outAt] = reserve(k, [src.length, c.bounds.byteLength, c.weights.byteLength, outBytes]);
  const memory = new Uint8Array(k.memory.buffer);
  memory.set(src, srcAt);
  new Int32Array(k.memory.buffer, boundsAt, c.bounds.length).set(c.bounds);
  new Int32Array(k.memory.buffer, weightsAt, c.weights.length).set(c.weights);
  pass(k, { src: srcAt, bounds: boundsAt, weights: weightsAt, out: outAt });
  return memory.slice(outAt, outAt + outBytes);
}

function wasmHorizontalPass(src: RgbImage, rowOffset: number, rows: number, outWidth: number, c: Coefficients): RgbImage {
  const inStride = src.width * 3;
  const rowsData = src.data.subarray(rowOffset * inStride, (rowOffset + rows) * inStride);
  const data = runPass(rowsData, c, rows * outWidth * 3, (k, at) =>
    k.horizontal(at.src, inStride, rows, outWidth, at.bounds, at.weights, c.ksize, at.out),
  );
  return { data, width: outWidth, height: rows };
}

function wasmVerticalPass(src: RgbImage, outHeight: number, c: Coefficients): RgbImage {
  const stride = src.width * 3;
  const data = runPass(src.data, c, outHeight * stride, (k, at) => k.vertical(at.src, stride, outHeight, at.bounds, at.weights, c.ksize, at.out));
  return { data, width: src.width, height: outHeight };
}

const WASM_PASSES: Passes = { horizontal: wasmHorizontalPass, vertical: wasmVerticalPass };
