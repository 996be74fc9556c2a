import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR } from './registry.js';

/** A flattened float32 array as tools/make_tiny_encoders.py stores it. */
export interface StoredArray {
  shape: number[];
  data: number[];
}

/** reference.json of a tiny text fixture: PyTorch outputs per prompt, each encoded alone. */
export interface TextReference {
  name: string;
  versions: Record<string, string | number>;
  maxTokens: number;
  inputNames: string[];
  prompts: { key: string; text: string; input_ids: number[]; attention_mask: number[]; last_hidden_state: StoredArray }[];
  truncation: { text: string; maxLength: number; input_ids: number[] };
}

/** reference.json of the tiny CLIP fixture. */
export interface ClipReference {
  name: string;
  versions: Record<string, string | number>;
  imageProcessor: string;
  /** `pixel_values` keeps every `stride`-th value of the [3, H, W] array (the full shape is given). */
  images: { file: string; pixel_values: StoredArray & { stride: number }; pooler_output: StoredArray; image_embeds: StoredArray }[];
  antonyms: { prompts: [string, string]; input_ids: number[][]; attention_mask: number[][]; text_embeds: StoredArray };
  clipIqa: { files: string[]; logitScale: number; scores: number[]; modelLogitScale: number; scoresAtModelScale: number[] };
}

/** The PyTorch reference outputs committed with a tiny text fixture. */
export function textReference(fixture: 'tiny-bert' | 'tiny-distilbert' | 'tiny-roberta'): TextReference {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, fixture, 'reference.json'), 'utf8')) as TextReference;
}

/** The PyTorch reference outputs committed with the tiny CLIP fixture. */
export function clipReference(): ClipReference {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, 'tiny-clip', 'reference.json'), 'utf8')) as ClipReference;
}

/** Absolute path of a file in the fixtures folder (e.g. `images/square-32.png`). */
export function fixturePath(relative: string): string {
  return join(FIXTURES_DIR, relative);
}

/** Largest absolute difference between two equally long arrays (Infinity when lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
