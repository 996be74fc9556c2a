import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { invalidInput, type ImageResizeMethod } from '@agiqa/contracts';
import sharp from 'sharp';
import { pilResize, PIL_RESAMPLING, type RgbImage } from './pil-resample.js';

/**
 * CLIP image preprocessing as Hugging Face's image processor (Pillow backend) does it: convert to
 * RGB compositing transparency onto white, resize the shortest edge with Pillow's filter, centre
 * crop, rescale by 1/255 (float64, then float32), normalise with float32 mean and std.
 * Decoding is sharp's (libvips with libjpeg-turbo / libpng, the same decoders Pillow uses).
 */
export interface ImagePreprocessing {
  /** Resize target: the shortest edge, or an exact size. */
  resize: { shortestEdge: number } | { height: number; width: number } | null;
  /** Pillow filter number (3 = bicubic for CLIP). */
  resample: number;
  crop: { height: number; width: number } | null;
  /** Multiplier applied to 0..255 values (1/255), or null for none. */
  rescaleFactor: number | null;
  normalize: { mean: [number, number, number]; std: [number, number, number] } | null;
}

type Json = Record<string, unknown>;

/**
 * Reads a preprocessor_config.json of a CLIP-style image processor. Options it does not implement
 * fail with the field named rather than being silently ignored.
 */
export function parseImagePreprocessing(config: Json, file = 'preprocessor_config.json'): ImagePreprocessing {
  const fail = (field: string, message: string) => invalidInput(`${file}: ${field} ${message}`, [{ path: `${file}:${field}`, message }]);
  const flag = (field: string, fallback: boolean) => {
    const value = config[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw fail(field, 'must be true or false');
    return value;
  };
  for (const field of ['do_pad', 'do_thumbnail', 'do_crop_margin', 'do_flip_channel_order', 'do_convert_grayscale']) {
    if (config[field] === true) throw fail(field, 'is not supported by the CLIP preprocessing of @agiqa/model');
  }
  if (!flag('do_convert_rgb', true)) throw fail('do_convert_rgb', 'false is not supported (images are always read as RGB)');

  const positive = (value: unknown, field: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw fail(field, 'must be a positive integer');
    return value;
  };
  const size = config.size;
  let resize: ImagePreprocessing['resize'] = null;
  if (flag('do_resize', size !== undefined)) {
    if (typeof size === 'number') {
      // An int size on a CLIP processor means the shortest edge (default_to_square=False).
      resize = { shortestEdge: positive(size, 'size') };
    } else if (size !== null && typeof size === 'object' && 'shortest_edge' in size) {
      if ('longest_edge' in size) throw fail('size.longest_edge', 'is not supported');
      resize = { shortestEdge: positive((size as Json).shortest_edge, 'size.shortest_edge') };
    } else if (size !== null && typeof size === 'object' && 'height' in size && 'width' in size) {
      resize = { height: positive((size as Json).height, 'size.height'), width: positive((size as Json).width, 'size.width') };
    } else {
      throw fail('size', 'must be an integer, {shortest_edge} or {height, width}');
    }
  }
  const resample = config.resample === undefined ? PIL_RESAMPLING.bicubic : config.resample;
  if (typeof resample !== 'number') throw fail('resample', 'must be a Pillow filter number');

  let crop: ImagePreprocessing['crop'] = null;
  if (flag('do_center_crop', config.crop_size !== undefined)) {
    const c = config.crop_size;
    if (typeof c === 'number') crop = { height: positive(c, 'crop_size'), width: c };
    else if (c !== null && typeof c === 'object') {
      crop = { height: positive((c as Json).height, 'crop_size.height'), width: positive((c as Json).width, 'crop_size.width') };
    } else throw fail('crop_size', 'must be an integer or {height, width}');
  }

  let rescaleFactor: number | null = null;
  if (flag('do_rescale', true)) {
    const r = config.rescale_factor ?? 1 / 255;
    if (typeof r !== 'number' || !(r > 0)) throw fail('rescale_factor', 'must be a positive number');
    rescaleFactor = r;
  }
  let normalize: ImagePreprocessing['normalize'] = null;
  if (flag('do_normalize', true)) {
    const triple = (value: unknown, field: string): [number, number, number] => {
      const list = typeof value === 'number' ? [value, value, value] : value;
      if (!Array.isArray(list) || list.length !== 3 || list.some((v) => typeof v !== 'number')) {
        throw fail(field, 'must be a number or 3 numbers (RGB)');
      }
      return list as [number, number, number];
    };
    normalize = { mean: triple(config.image_mean, 'image_mean'), std: triple(config.image_std, 'image_std') };
    if (normalize.std.some((s) => s === 0)) throw fail('image_std', 'must not contain 0');
  }
  return { resize, resample, crop, rescaleFactor, normalize };
}

/** Output height and width of the preprocessing (the model's input size). */
export function outputSize(p: ImagePreprocessing): { height: number; width: number } {
  if (p.crop !== null) return p.crop;
  if (p.resize !== null && 'height' in p.resize) return p.resize;
  throw invalidInput('preprocessing without a crop or a fixed resize gives images of varying size; the vision model needs one size');
}

/**
 * Decodes an image file to 8-bit RGB the way `PIL.Image.open(path)` + Hugging Face's
 * `convert_to_rgb` do: greyscale is replicated, CMYK converted to sRGB (sharp's raw output is sRGB),
 * an alpha channel is composited onto white. One sharp call that reads the file itself: the whole
 * decode runs on libuv's pool, so it overlaps with work on the JavaScript thread (inference).
 * An unreadable or undecodable file fails naming the file.
 */
export async function decodeImage(path: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(path, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    return toRgb(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, info.channels);
  } catch (error) {
    throw await decodeFailure(path, error);
  }
}

/**
 * The libvips alternative to Pillow's resize (`resize: 'libvips'`): decode, composite alpha onto
 * white, resize the shortest edge with libvips' bicubic kernel and centre-crop, all in one sharp
 * pipeline off the JavaScript thread. Close to Pillow (bench/resize-parity.ts measures how close),
 * not bit-identical; returns the model input size, ready for `preprocessInto`.
 */
export async function decodeResized(path: string, p: ImagePreprocessing): Promise<RgbImage> {
  const { height, width } = outputSize(p);
  if (p.resize === null) throw invalidInput('libvips resizing needs a resize in preprocessor_config.json', [{ path: 'preprocessor_config.json:size', message: 'missing' }]);
  try {
    const { data, info } = await sharp(path, { failOn: 'error' })
      .flatten({ background: '#ffffff' })
      .resize({ width, height, fit: 'shortestEdge' in p.resize ? 'cover' : 'fill', position: 'centre', kernel: 'cubic', fastShrinkOnLoad: false })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return toRgb(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, info.channels);
  } catch (error) {
    throw await decodeFailure(path, error);
  }
}

/**
 * Decodes a batch concurrently. `pillow`: to full-size RGB, resized later on the JavaScript thread
 * by the Pillow-exact resize (`pixelValues`); `libvips`: decoded, resized and cropped by sharp to
 * the model's input size.
 */
export function decodeBatch(paths: readonly string[], p: ImagePreprocessing, resize: ImageResizeMethod): Promise<RgbImage[]> {
  return Promise.all(paths.map((path) => (resize === 'libvips' ? decodeResized(path, p) : decodeImage(path))));
}

/** `[batch, 3, height, width]` pixel_values of decoded images (resized here unless already at the input size). */
export function pixelValues(images: readonly RgbImage[], p: ImagePreprocessing): Float32Array {
  const { height, width } = outputSize(p);
  const perImage = 3 * height * width;
  const pixels = new Float32Array(images.length * perImage);
  const noResize = { ...p, resize: null };
  images.forEach((image, i) => preprocessInto(image, image.height === height && image.width === width ? noResize : p, pixels, i * perImage));
  return pixels;
}

/** Tells a file that cannot be read from one that is not an image. */
async function decodeFailure(path: string, error: unknown): Promise<Error> {
  try {
    await access(path, constants.R_OK);
  } catch (readError) {
    return invalidInput(`image ${path}: cannot be read (${(readError as NodeJS.ErrnoException).code ?? (readError as Error).message})`, [
      { path, message: 'unreadable image file' },
    ]);
  }
  return invalidInput(`image ${path}: not a decodable image (${(error as Error).message})`, [{ path, message: 'undecodable image file' }]);
}

/** PIL's `alpha_composite` of a pixel onto opaque white (integer arithmetic, 7 extra bits). */
function overWhite(value: number, alpha: number): number {
  if (alpha === 0) return 255;
  const outA255 = alpha * 255 + 255 * (255 - alpha);
  const coef1 = Math.trunc((alpha * 255 * 255 * 128) / outA255);
  const coef2 = 255 * 128 - coef1;
  const tmp = value * coef1 + 255 * coef2 + (0x80 << 7);
  return (((tmp >>> 8) + tmp) >>> 8) >>> 7;
}

function toRgb(data: Uint8Array, width: number, height: number, channels: number): RgbImage {
  const pixels = width * height;
  if (channels === 3) return { data: data.slice(), width, height };
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    if (channels === 1) {
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[i];
    } else if (channels === 2) {
      const v = overWhite(data[i * 2], data[i * 2 + 1]);
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = v;
    } else {
      const a = data[i * 4 + 3];
      out[i * 3] = overWhite(data[i * 4], a);
      out[i * 3 + 1] = overWhite(data[i * 4 + 1], a);
      out[i * 3 + 2] = overWhite(data[i * 4 + 2], a);
    }
  }
  return { data: out, width, height };
}

/**
 * Resize, crop, rescale and normalise into `out` at `offset` as channel-first float32
 * `[3, height, width]` (the layout of `pixel_values`). Returns the number of floats written.
 */
export function preprocessInto(image: RgbImage, p: ImagePreprocessing, out: Float32Array, offset = 0): number {
  let img = image;
  if (p.resize !== null) {
    let height: number;
    let width: number;
    if ('shortestEdge' in p.resize) {
      // transformers' get_resize_output_image_size(default_to_square=False): int(size * long / short).
      const short = Math.min(img.width, img.height);
      const long = Math.max(img.width, img.height);
      const newLong = Math.trunc((p.resize.shortestEdge * long) / short);
      [width, height] = img.width <= img.height ? [p.resize.shortestEdge, newLong] : [newLong, p.resize.shortestEdge];
    } else {
      ({ height, width } = p.resize);
    }
    img = pilResize(img, width, height, p.resample);
  }
  const { height, width } = p.crop ?? { height: img.height, width: img.width };
  // numpy centre crop: floor((size - crop) / 2); a crop larger than the image pads with zeros.
  const top = Math.floor((img.height - height) / 2);
  const left = Math.floor((img.width - width) / 2);
  const table = normalizationTable(p);
  const plane = height * width;
  const { data } = img;
  for (let y = 0; y < height; y++) {
    const sy = y + top;
    const row = offset + y * width;
    for (let x = 0; x < width; x++) {
      const sx = x + left;
      const at = row + x;
      if (sy >= 0 && sy < img.height && sx >= 0 && sx < img.width) {
        const i = (sy * img.width + sx) * 3;
        out[at] = table[data[i]];
        out[at + plane] = table[256 + data[i + 1]];
        out[at + 2 * plane] = table[512 + data[i + 2]];
      } else {
        out[at] = table[0];
        out[at + plane] = table[256];
        out[at + 2 * plane] = table[512];
      }
    }
  }
  return 3 * plane;
}

const tables = new Map<string, Float32Array>();

/**
 * Rescale and normalise as a lookup table, `[3 channels × 256 byte values]`: each entry is computed
 * exactly as the Python processor computes it (float32 rescale, then float32 (v − mean) / std), so
 * the table gives the same floats as the arithmetic, at a load per value.
 */
function normalizationTable(p: ImagePreprocessing): Float32Array {
  const key = JSON.stringify([p.rescaleFactor, p.normalize]);
  let table = tables.get(key);
  if (table !== undefined) return table;
  table = new Float32Array(3 * 256);
  const mean = p.normalize?.mean.map(Math.fround);
  const std = p.normalize?.std.map(Math.fround);
  for (let c = 0; c < 3; c++) {
    for (let raw = 0; raw < 256; raw++) {
      let v = p.rescaleFactor === null ? raw : Math.fround(raw * p.rescaleFactor);
      if (mean !== undefined && std !== undefined) v = Math.fround(Math.fround(v - mean[c]) / std[c]);
      table[c * 256 + raw] = v;
    }
  }
  tables.set(key, table);
  return table;
}
