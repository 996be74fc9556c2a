import type { TextEncoderName } from '../names.js';

/**
 * Maps our text encoder names to the paper's keys for them (Table-1 rows, timing entries). Tiny
 * fixtures map to nothing: their numbers are never shown beside the paper's as if comparable.
 */
export const PAPER_ENCODER_KEY: Record<TextEncoderName, 'bert_base' | 'distilbert' | 'roberta' | null> = {
  'bert-base': 'bert_base',
  distilbert: 'distilbert',
  roberta: 'roberta',
  'tiny-bert': null,
  'tiny-distilbert': null,
  'tiny-roberta': null,
};
