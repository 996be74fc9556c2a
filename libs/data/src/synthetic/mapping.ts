/**
 * The documented mapping of the synthetic AGI dataset: how an image's hidden degradation
 * strength and prompt (mis)match become its MOS. Everything here is data so tests, the README and
 * `synthetic.json` all state the same numbers.
 */

export const SYNTH_VERSION = 'agiqa/synth/v1';

/**
 * Fake generator/setting groups (AGIQA-3K has 10 over 6 models). `baseStrength` is the group's
 * mean degradation: generators differ in typical quality, as real ones do.
 */
export const SYNTH_GROUPS = [
  { model: 'sketchgan', setting: 'normal', baseStrength: 0.75 },
  { model: 'pixeldiff', setting: 'normal', baseStrength: 0.5 },
  { model: 'pixeldiff', setting: 'lowstep', baseStrength: 0.65 },
  { model: 'glimmer', setting: 'normal', baseStrength: 0.55 },
  { model: 'dreamforge', setting: 'normal', baseStrength: 0.3 },
  { model: 'dreamforge', setting: 'lowstep', baseStrength: 0.45 },
  { model: 'stablemix', setting: 'normal', baseStrength: 0.35 },
  { model: 'stablemix', setting: 'lowstep', baseStrength: 0.55 },
  { model: 'stablemix', setting: 'highcorr', baseStrength: 0.35 },
  { model: 'vistaxl', setting: 'normal', baseStrength: 0.2 },
] as const;

/** How an image contradicts its prompt: one attribute rendered differently from what it names. */
export const CONTRADICTIONS = ['count', 'colour', 'shape'] as const;
export type Contradiction = (typeof CONTRADICTIONS)[number];

export const SYNTH_MAPPING = {
  version: SYNTH_VERSION,
  /** Strength s = clamp(baseStrength(group) + strengthSpread · z, 0, 1), z ~ N(0, 1). */
  strengthSpread: 0.25,
  /**
   * Each distortion's magnitude is s · u with u ~ U(0.5, 1) drawn per image and distortion, so all
   * four grow with s but no single one determines it.
   */
  distortions: {
    /** Per-channel offset of length up to this (0–255 units) in a random direction. */
    colourShiftMax: 50,
    /** Gaussian blur σ (px, approximated by 3 box passes); skipped below 0.3. */
    blurSigmaMax: 3,
    /** Additive pixel noise std (0–255 units). */
    noiseStdMax: 32,
    /** JPEG quality = round(jpegQualityMax − jpegQualityDrop · s · u). */
    jpegQualityMax: 92,
    jpegQualityDrop: 82,
  },
  quality: {
    /** Latent quality q = qualityAtZero − qualitySlope · s (0.6 … 4.6 on AGIQA-3K's 0–5 scale). */
    qualityAtZero: 4.6,
    qualitySlope: 4,
  },
  align: {
    /** Latent alignment a = alignBase[kind] − alignStrengthSlope · s (heavy damage hides content). */
    alignBase: { match: 4.4, count: 2.4, colour: 1.8, shape: 1.4 } satisfies Record<Contradiction | 'match', number>,
    alignStrengthSlope: 0.8,
  },
  raters: {
    /** Simulated raters per image; mos_* is their mean, std_* their standard deviation. */
    count: 15,
    /** Each rating is clamp(latent + ratingNoise · z, 0, 5). */
    ratingNoise: 0.55,
  },
  /** Default share of images that contradict their prompt (count, colour or shape, equally often). */
  contradictShare: 0.2,
} as const;
export type SynthMapping = typeof SYNTH_MAPPING;

export const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/** Latent quality of strength s. */
export function latentQuality(s: number): number {
  return SYNTH_MAPPING.quality.qualityAtZero - SYNTH_MAPPING.quality.qualitySlope * s;
}

/** Latent alignment of strength s and a contradiction kind (or a match). */
export function latentAlign(s: number, contradiction: Contradiction | null): number {
  return SYNTH_MAPPING.align.alignBase[contradiction ?? 'match'] - SYNTH_MAPPING.align.alignStrengthSlope * s;
}
