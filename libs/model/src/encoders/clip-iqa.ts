import { invalidInput } from '@agiqa/contracts';
import { decodeImage, preprocessInto } from './image-preprocess.js';
import type { ResolvedEncoder } from './registry.js';
import { loadClipTextEncoder, loadImageEncoder } from './runtime.js';
import { positiveInt } from './text-features.js';

/** The antonym pair of CLIP-IQA (the paper's Eqs. 1–2): positive first. */
export const CLIP_IQA_PROMPTS = ['Good photo.', 'Bad photo.'] as const;

/**
 * CLIP's learned temperature for ViT-B/32 (exp(logit_scale) = 100, the clamp it trained into), the
 * scale the original CLIP-IQA applies. config.json only holds the initial value
 * (logit_scale_init_value = 2.6592, i.e. 14.3), and the split ONNX towers do not carry the learned
 * one. An option: the default is the paper's Eq. 2, the softmax of the raw cosines (scale 1).
 */
export const CLIP_LOGIT_SCALE = 100;

/** The paper's Eq. 2: softmax of the raw cosine similarities (no temperature). */
export const EQ2_LOGIT_SCALE = 1;

function l2normalize(v: Float32Array): Float64Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return Float64Array.from(v, (x) => (norm === 0 ? 0 : x / norm));
}

/**
 * CLIP-IQA from embeddings: for each image, cosine similarity with the positive and negative text
 * embedding, softmax over the pair of `logitScale × cos`, score = P(positive). Default scale 1:
 * the paper's Eq. 2; `CLIP_LOGIT_SCALE` (100) for the original CLIP-IQA. Float64: at scale 100 a
 * cosine gap of 0.17 already puts P within float32's rounding of 1, and tied scores lose the ranking.
 */
export function clipIqaFromEmbeddings(
  imageEmbeds: readonly Float32Array[],
  textEmbeds: readonly [Float32Array, Float32Array],
  logitScale = EQ2_LOGIT_SCALE,
): Float64Array {
  const [good, bad] = textEmbeds.map(l2normalize);
  return Float64Array.from(imageEmbeds, (embed) => {
    if (embed.length !== good.length) throw invalidInput(`image embedding width ${embed.length} differs from text embedding width ${good.length}`);
    const img = l2normalize(embed);
    let sGood = 0;
    let sBad = 0;
    for (let i = 0; i < img.length; i++) {
      sGood += img[i] * good[i];
      sBad += img[i] * bad[i];
    }
    // softmax([a, b])[0] = 1 / (1 + exp(b - a)), stable for large logit scales.
    return 1 / (1 + Math.exp(logitScale * (sBad - sGood)));
  });
}

export interface ClipIqaOptions {
  /** A CLIP encoder (`clip-vit-b32`, `tiny-clip`): both towers are used. */
  encoder: ResolvedEncoder;
  /** Image files, scored in this order. */
  images: readonly string[];
  /** Default 1, the paper's Eq. 2; 100 is CLIP's learned scale (`CLIP_LOGIT_SCALE`). */
  logitScale?: number;
  /** Default ["Good photo.", "Bad photo."]. */
  prompts?: readonly [string, string];
  /** Images per forward pass (default 16). */
  batchSize?: number;
}

function assertClip(encoder: ResolvedEncoder): void {
  if (encoder.family !== 'clip') {
    throw invalidInput(`CLIP-IQA needs a CLIP encoder, got ${encoder.name} (${encoder.family})`, [{ path: 'encoder', message: 'not a CLIP model' }]);
  }
}

/**
 * CLIP text embeddings (text_embeds) of an antonym pair, to score image embeddings already in the
 * feature cache (the image features' `projected` vectors are the same image_embeds).
 */
export async function clipIqaTextEmbeddings(encoder: ResolvedEncoder, prompts: readonly [string, string] = CLIP_IQA_PROMPTS): Promise<[Float32Array, Float32Array]> {
  assertClip(encoder);
  const [good, bad] = await (await loadClipTextEncoder(encoder)).embed(prompts);
  return [good, bad];
}

/** Zero-shot CLIP-IQA scores in [0, 1], one per image (higher = "Good photo." more likely). */
export async function clipIqaScores(options: ClipIqaOptions): Promise<Float64Array> {
  const { encoder, images } = options;
  assertClip(encoder);
  const batchSize = positiveInt(options.batchSize ?? 16, 'batchSize');
  const vision = await loadImageEncoder(encoder);
  const [good, bad] = await clipIqaTextEmbeddings(encoder, options.prompts ?? CLIP_IQA_PROMPTS);
  const { height, width } = vision.inputSize;
  const perImage = 3 * height * width;
  const embeds: Float32Array[] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    const paths = images.slice(start, start + batchSize);
    // [batch, 3, height, width]
    const pixels = new Float32Array(paths.length * perImage);
    const decoded = await Promise.all(paths.map((path) => decodeImage(path)));
    decoded.forEach((image, i) => preprocessInto(image, vision.preprocessing, pixels, i * perImage));
    const out = await vision.encode(pixels, paths.length);
    for (let i = 0; i < paths.length; i++) embeds.push(out.projected.slice(i * out.projectedDim, (i + 1) * out.projectedDim));
  }
  return clipIqaFromEmbeddings(embeds, [good, bad], options.logitScale ?? EQ2_LOGIT_SCALE);
}
