import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetItemRecord, SplitManifestRecord } from '@agiqa/contracts';
import { readUtf8 } from '../io/files.js';
import { compareCodeUnits } from '../hash.js';
import { ProblemCollector } from '../validate/problems.js';
import { countOverlapPrompts, splitHash } from './split.js';

const SIDES = ['train', 'val', 'test'] as const;
type Side = (typeof SIDES)[number];

/** Folds of a split folder: numbered sub-folders holding both `train.txt` and `test.txt`. */
export async function listSplitFolds(dir: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const folds: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const files = new Set(await readdir(path.join(dir, name)));
      if (files.has('train.txt') && files.has('test.txt')) folds.push(Number(name));
    } catch {
      // not a folder
    }
  }
  return folds.sort((a, b) => a - b);
}

/**
 * Resolves the image references of split lists to item keys: by key, by image path, then by file
 * name when that is unique (peers' lists carry their own absolute or relative prefixes).
 */
function resolver(items: readonly DatasetItemRecord[]): (ref: string) => { key?: string; ambiguous?: boolean } {
  const byKey = new Map(items.map((i) => [i.key, i.key]));
  const byPath = new Map(items.map((i) => [i.imagePath, i.key]));
  const byBase = new Map<string, string[]>();
  for (const item of items) {
    const base = item.imagePath.slice(item.imagePath.lastIndexOf('/') + 1);
    byBase.set(base, [...(byBase.get(base) ?? []), item.key]);
  }
  return (ref) => {
    const norm = ref.replace(/\\/g, '/').replace(/^\.\//, '');
    const direct = byKey.get(norm) ?? byPath.get(norm);
    if (direct !== undefined) return { key: direct };
    const candidates = byBase.get(norm.slice(norm.lastIndexOf('/') + 1)) ?? [];
    if (candidates.length === 1) return { key: candidates[0] };
    return candidates.length > 1 ? { ambiguous: true } : {};
  };
}

/**
 * A split read from shipped split lists, PKU-I2IQA style: `{dir}/{fold}/train.txt`, `test.txt`
 * and optionally `val.txt`, one image per line. A line's image reference is the text before its
 * first tab (peers append MOS and prompt after tabs) or the whole line; it may be an item key, an
 * image path, or a path ending in a unique file name. Every image must be on exactly one side and
 * every reference must resolve; otherwise an `invalid_input` error lists each problem with its
 * `file:line`. The record has unit `image`, the realised shares as ratios (4 decimals), seed 0 and
 * repeat = fold; its hash also covers the fold so it never equals a random split's.
 */
export async function splitFromFiles(options: { items: readonly DatasetItemRecord[]; dir: string; fold: number }): Promise<SplitManifestRecord> {
  const { items, dir, fold } = options;
  const problems = new ProblemCollector();
  const resolve = resolver(items);
  const sideOf = new Map<string, { side: Side; at: string }>();
  const keys: Record<Side, string[]> = { train: [], val: [], test: [] };

  for (const side of SIDES) {
    const file = `${fold}/${side}.txt`;
    if (side === 'val') {
      const present = await readdir(path.join(dir, String(fold))).then((f) => f.includes('val.txt'), () => false);
      if (!present) continue;
    }
    const text = await readUtf8(dir, file, problems);
    if (text === undefined) continue;
    text.split(/\r\n|\n|\r/).forEach((raw, index) => {
      const line = index + 1;
      const ref = (raw.includes('\t') ? raw.slice(0, raw.indexOf('\t')) : raw).trim();
      if (ref === '') return;
      const { key, ambiguous } = resolve(ref);
      if (key === undefined) {
        problems.add({ file, line }, ambiguous ? `"${ref}" matches several images by file name; write its image path` : `no image "${ref}" in the dataset`);
        return;
      }
      const earlier = sideOf.get(key);
      if (earlier) {
        problems.add({ file, line }, `"${ref}" is already listed at ${earlier.at}`);
        return;
      }
      sideOf.set(key, { side, at: `${file}:${line}` });
      keys[side].push(key);
    });
  }
  const unlisted = items.filter((i) => !sideOf.has(i.key)).map((i) => i.key);
  if (unlisted.length > 0 && problems.count === 0) {
    problems.add({ file: `${fold}/` }, `${unlisted.length} image(s) are on no side, e.g. ${unlisted.slice(0, 3).join(', ')}`);
  }
  if (keys.train.length === 0 || keys.test.length === 0) problems.add({ file: `${fold}/` }, 'train and test must each list at least one image');
  problems.throwIfAny(`split lists in ${dir}`);

  const total = items.length;
  const share = (n: number) => Math.round((n / total) * 10_000) / 10_000;
  const record = {
    unit: 'image' as const,
    trainRatio: share(keys.train.length),
    valRatio: share(keys.val.length),
    seed: 0,
    repeat: fold,
    trainKeys: keys.train.sort(compareCodeUnits),
    valKeys: keys.val.sort(compareCodeUnits),
    testKeys: keys.test.sort(compareCodeUnits),
  };
  return { ...record, overlapPrompts: countOverlapPrompts(items, record.trainKeys, record.testKeys), hash: splitHash(record, { source: 'files', fold }) };
}
