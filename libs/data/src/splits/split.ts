import { SPLIT_UNITS, invalidInput, parseOrThrow, rngFromKey, shuffle, type DatasetItemRecord, type SplitManifestRecord, type SplitUnit } from '@agiqa/contracts';
import { z } from 'zod';
import { canonicalJson, compareCodeUnits, sha256Hex } from '../hash.js';

/** Version tag mixed into the PRNG key and the hash: bump it when the algorithm changes. */
export const SPLIT_ALGORITHM = 'agiqa/split/v1';

/** One materialised split request: the resolved ratios of a SplitSpec plus the repeat index. */
export const SplitRequestSchema = z
  .object({
    unit: z.enum(SPLIT_UNITS),
    /** Share of units in train, 0 < train < 1. */
    train: z.number().gt(0, 'must be > 0').lt(1, 'must be < 1'),
    /** Share of units in validation, 0 ≤ val < 1. */
    val: z.number().min(0, 'must be ≥ 0').lt(1, 'must be < 1').default(0),
    seed: z.int('must be an integer').min(0, 'must be ≥ 0').max(2 ** 31 - 1),
    /** Repeat k of the (seed, k) stream. */
    repeat: z.int('must be an integer').min(0, 'must be ≥ 0').max(10_000).default(0),
  })
  .strict()
  .refine((s) => s.train + s.val < 1, { message: 'train + val must leave a non-empty test share (< 1)', path: ['val'] });
export type SplitRequest = z.input<typeof SplitRequestSchema>;

/**
 * The model of a generator: the part before the first `/`. Loaders write `model/setting` where a
 * dataset has settings per model (AGIQA-3K: `midjourney/lowstep`), so generator-unit splits leave
 * out whole models — the paper's unseen-generator test — never just one setting of a model.
 */
export function generatorModel(generator: string): string {
  const slash = generator.indexOf('/');
  return slash < 0 ? generator : generator.slice(0, slash);
}

/** The unit an item belongs to: its key (image), prompt key (prompt) or generator model (generator). */
export function splitUnitOf(unit: SplitUnit, item: Pick<DatasetItemRecord, 'key' | 'promptKey' | 'generator'>): string {
  if (unit === 'image') return item.key;
  if (unit === 'prompt') return item.promptKey;
  return generatorModel(item.generator);
}

/** Round half up, after rounding the product to 9 decimals so 0.35 × 10 counts as 3.5, not 3.4999…. */
const roundShare = (share: number, units: number) => Math.floor(Number((share * units).toFixed(9)) + 0.5);

/**
 * How many units go to train / val / test. Ratios apply to units (images, prompts or generator
 * models), rounded half up; test gets the rest. Every side asked for gets at least one unit: a
 * val share > 0 gets ≥ 1 unit and test always gets ≥ 1 (train shrinks first, then val). With 6
 * generator models and train 0.8: round(4.8) = 5 train, 1 test.
 */
export function splitCounts(units: number, train: number, val: number): { train: number; val: number; test: number } {
  const minimum = val > 0 ? 3 : 2;
  if (units < minimum) {
    throw invalidInput(`cannot split ${units} unit${units === 1 ? '' : 's'} into ${val > 0 ? 'train, val and test' : 'train and test'}: need at least ${minimum}`, [
      { path: 'unit', message: `only ${units} distinct unit${units === 1 ? '' : 's'}` },
    ]);
  }
  let nVal = val > 0 ? Math.max(1, roundShare(val, units)) : 0;
  let nTrain = Math.max(1, roundShare(train, units));
  while (units - nTrain - nVal < 1 && nTrain > 1) nTrain--;
  while (units - nTrain - nVal < 1 && nVal > 1) nVal--;
  return { train: nTrain, val: nVal, test: units - nTrain - nVal };
}

/** Prompts (prompt keys) that have images on both the train and the test side. */
export function countOverlapPrompts(items: readonly DatasetItemRecord[], trainKeys: readonly string[], testKeys: readonly string[]): number {
  const promptOf = new Map(items.map((item) => [item.key, item.promptKey]));
  const trainPrompts = new Set(trainKeys.map((k) => promptOf.get(k)));
  return new Set(testKeys.map((k) => promptOf.get(k)).filter((p) => trainPrompts.has(p))).size;
}

/** sha256 of the canonical JSON of the spec and the three sorted key lists. */
export function splitHash(record: Omit<SplitManifestRecord, 'hash' | 'overlapPrompts'>, extra: Record<string, unknown> = {}): string {
  return sha256Hex(
    canonicalJson({
      algorithm: SPLIT_ALGORITHM,
      unit: record.unit,
      trainRatio: record.trainRatio,
      valRatio: record.valRatio,
      seed: record.seed,
      repeat: record.repeat,
      trainKeys: record.trainKeys,
      valKeys: record.valKeys,
      testKeys: record.testKeys,
      ...extra,
    }),
  );
}

/**
 * Splits `items` reproducibly. Units are collected, sorted in code-unit order (so input order and
 * object key order never matter), shuffled with xoshiro128** keyed by (seed, repeat), and cut by
 * `splitCounts`: the first units train, the next val, the rest test. Items follow their unit, so a
 * prompt (or generator model) never straddles sides. Same items + same request → same keys and
 * hash on every machine.
 */
export function makeSplit(items: readonly DatasetItemRecord[], request: SplitRequest): SplitManifestRecord {
  const spec = parseOrThrow(SplitRequestSchema, request, 'split spec');
  if (items.length === 0) throw invalidInput('cannot split an empty dataset', [{ path: 'items', message: 'no items' }]);
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.key)) throw invalidInput(`duplicate item key "${item.key}"`, [{ path: 'items', message: `duplicate key ${item.key}` }]);
    seen.add(item.key);
  }

  const byUnit = new Map<string, string[]>();
  for (const item of items) {
    const unit = splitUnitOf(spec.unit, item);
    const keys = byUnit.get(unit);
    if (keys) keys.push(item.key);
    else byUnit.set(unit, [item.key]);
  }
  const units = [...byUnit.keys()].sort(compareCodeUnits);
  shuffle(units, rngFromKey(`${SPLIT_ALGORITHM}:${spec.seed}:${spec.repeat}`));
  const counts = splitCounts(units.length, spec.train, spec.val);

  const collect = (from: number, to: number) => units.slice(from, to).flatMap((u) => byUnit.get(u) ?? []).sort(compareCodeUnits);
  const trainKeys = collect(0, counts.train);
  const valKeys = collect(counts.train, counts.train + counts.val);
  const testKeys = collect(counts.train + counts.val, units.length);
  const record = { unit: spec.unit, trainRatio: spec.train, valRatio: spec.val, seed: spec.seed, repeat: spec.repeat, trainKeys, valKeys, testKeys };
  return { ...record, overlapPrompts: countOverlapPrompts(items, trainKeys, testKeys), hash: splitHash(record) };
}

/** What `agiqa data split --json` prints: counts instead of key lists. */
export interface SplitSummary {
  train: number;
  val: number;
  test: number;
  overlapPrompts: number;
  hash: string;
}

export function summariseSplit(manifest: SplitManifestRecord): SplitSummary {
  return {
    train: manifest.trainKeys.length,
    val: manifest.valKeys.length,
    test: manifest.testKeys.length,
    overlapPrompts: manifest.overlapPrompts,
    hash: manifest.hash,
  };
}
