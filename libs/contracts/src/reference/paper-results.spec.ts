import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PAPER_RESULTS } from './paper-results.js';

// The shared folder sits beside the repository (../shared); CI provides it.
const shared = fileURLToPath(new URL('../../../../../shared/reference/paper-results.json', import.meta.url));

describe('PAPER_RESULTS', () => {
  it.runIf(existsSync(shared))('is a faithful copy of shared/reference/paper-results.json', () => {
    expect(PAPER_RESULTS).toEqual(JSON.parse(readFileSync(shared, 'utf8')));
  });

  it('flags the two RoBERTa cells whose assignment is uncertain', () => {
    const roberta = PAPER_RESULTS.table1_ablation_agiqa3k.rows.roberta;
    expect(roberta.concat.uncertain).toBe(true);
    expect(roberta.cosine.uncertain).toBe(true);
  });
});
