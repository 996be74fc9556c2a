import type { Location, ProblemCollector } from '../validate/problems.js';

/** The inclusive range a MOS label is published on. */
export interface MosScale {
  min: number;
  max: number;
}

/**
 * Published MOS scales, after normalisation (see the loaders):
 * - AGIQA-3K: `mos_quality` / `mos_align` on 0–5 as released (Li et al. 2023).
 * - AIGCIQA2023: `DATA/MOS/mosz{1,2,3}.mat` hold `MOSz`, raters' z-scores rescaled to 0–100
 *   (peers divide by 100 to train on 0–1). The CSV repackaging copies these values unchanged; the
 *   per-generator repackaging divides them by 20 (0–5) and the loader multiplies back, so all three
 *   layouts load on 0–100.
 */
export const PUBLISHED_MOS_SCALES = {
  agiqa3k: { quality: { min: 0, max: 5 }, align: { min: 0, max: 5 } },
  aigciqa2023: {
    quality: { min: 0, max: 100 },
    authenticity: { min: 0, max: 100 },
    correspondence: { min: 0, max: 100 },
  },
} as const satisfies Record<string, Record<string, MosScale>>;

/**
 * Checks a MOS value against its scale; an out-of-range value is a problem at `at`. `shown` is the
 * value as the file wrote it (before any rescaling), so the message quotes what the user sees.
 */
export function checkRange(value: number, scale: MosScale, at: Location, problems: ProblemCollector, shown = value): boolean {
  if (!Number.isFinite(value)) {
    problems.add(at, `not a finite number: ${shown}`);
    return false;
  }
  if (value < scale.min || value > scale.max) {
    problems.add(at, `${shown} is outside the published scale ${scale.min}–${scale.max}`);
    return false;
  }
  return true;
}
