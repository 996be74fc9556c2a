import type { MeasuredConfig } from '@agiqa/contracts';
import type { TableRun } from './replicates.js';

/**
 * The methods Tables 2 and 3 can show measured rows for, each beside the paper's row for the same
 * method. A registry rather than special cases: a method that needs no training (`clip-iqa`)
 * slots in exactly like the trained proposed model, under the same aggregation rule.
 */
export interface MeasuredMethod {
  /** Row label; "(this platform)" keeps it apart from the paper's row of the same method. */
  label: string;
  /** The paper's Table 2 row this row stands beside (its Δ is taken against it). */
  paperMethod: string;
  group: 'traditional' | 'deep' | 'clip';
  proposed: boolean;
  /** What a run must be to count: method, and where set, text encoder and fusion; always the image encoder. */
  config: MeasuredConfig;
}

/**
 * The proposed model (CLIP-BERT-AGIQA) is BERT-base + cross-attention + CLIP ViT-B/32 — fixed
 * rather than "the best cell per dataset", because picking the best of several cells by their
 * test scores would be one more selection on the test set; it is also Table 1's best cell in the
 * paper. CLIP-IQA is the zero-shot antonym-prompt baseline (grid method `clip-iqa`).
 */
export const MEASURED_METHODS: readonly MeasuredMethod[] = [
  {
    label: 'CLIP-BERT-AGIQA (this platform)',
    paperMethod: 'CLIP-BERT-AGIQA',
    group: 'clip',
    proposed: true,
    config: { method: 'fusion-head', textEncoder: 'bert-base', fusion: 'cross_attention', imageEncoder: 'clip-vit-b32' },
  },
  {
    label: 'CLIP-IQA (this platform)',
    paperMethod: 'CLIPIQA',
    group: 'clip',
    proposed: false,
    config: { method: 'clip-iqa', textEncoder: null, fusion: null, imageEncoder: 'clip-vit-b32' },
  },
];

/** Whether a run counts for a measured method (a text encoder with a model override never does). */
export function runOf(method: MeasuredMethod, run: TableRun): boolean {
  const c = method.config;
  return (
    run.method === c.method &&
    run.imageEncoder === c.imageEncoder &&
    (c.textEncoder === null || (run.textEncoder === c.textEncoder && run.textModel === null)) &&
    (c.fusion === null || run.fusion === c.fusion)
  );
}
