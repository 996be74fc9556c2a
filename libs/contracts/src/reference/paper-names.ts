import type { TextEncoderName } from '../names.js';

/**
 * Maps our text encoder names to the paper's Table-1 row keys. Tiny fixtures map to nothing: their
 * numbers are never shown beside the paper's as if comparable.
 */
export const PAPER_TABLE1_ROW: Record<TextEncoderName, 'bert_base' | 'distilbert' | 'roberta' | null> = {
  'bert-base': 'bert_base',
  distilbert: 'distilbert',
  roberta: 'roberta',
  'tiny-bert': null,
  'tiny-distilbert': null,
  'tiny-roberta': null,
};
