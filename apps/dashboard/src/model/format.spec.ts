import { describe, expect, it } from 'vitest';
import { formatDate, formatElapsed, formatMeanStd, formatMs, formatNumber, formatPercent, formatText, MISSING } from './format.js';

describe(formatNumber.name, () => {
  it('renders a dash for null, undefined, NaN and infinities', () => {
    for (const v of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(formatNumber(v)).toBe(MISSING);
    }
  });

  it('renders four decimals by default', () => {
    expect(formatNumber(0.88134)).toBe('0.8813');
    expect(formatNumber(0)).toBe('0.0000');
  });
});

describe(formatMeanStd.name, () => {
  it('leaves the std out for a single run', () => {
    expect(formatMeanStd(0.5, 0, 1)).toBe('0.5000');
  });

  it('shows mean ± std over several runs', () => {
    expect(formatMeanStd(0.5, 0.01234, 3)).toBe('0.5000 ± 0.0123');
  });

  it('shows a dash when the mean is missing even if the std is present', () => {
    expect(formatMeanStd(Number.NaN, 0.1, 3)).toBe(MISSING);
  });
});

describe(formatMs.name, () => {
  it('scales precision with magnitude', () => {
    expect(formatMs(217)).toBe('217 ms');
    expect(formatMs(15.26)).toBe('15.3 ms');
    expect(formatMs(0.842)).toBe('0.84 ms');
    expect(formatMs(null)).toBe(MISSING);
  });
});

describe(formatPercent.name, () => {
  it('rounds a fraction to a whole percentage', () => {
    expect(formatPercent(0.426)).toBe('43%');
    expect(formatPercent(Number.NaN)).toBe(MISSING);
  });
});

describe(formatDate.name, () => {
  it('renders a dash for missing or unparsable timestamps', () => {
    expect(formatDate(null)).toBe(MISSING);
    expect(formatDate('not a date')).toBe(MISSING);
  });

  it('renders a parsable timestamp without NaN', () => {
    expect(formatDate('2025-01-02T03:04:05Z')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });
});

describe(formatElapsed.name, () => {
  it('measures up to now when unfinished', () => {
    const now = Date.parse('2025-01-01T00:03:12Z');
    expect(formatElapsed('2025-01-01T00:00:00Z', null, now)).toBe('3m 12s');
  });

  it('renders a dash when the start is missing or after the end', () => {
    expect(formatElapsed(null, null)).toBe(MISSING);
    expect(formatElapsed('2025-01-02T00:00:00Z', '2025-01-01T00:00:00Z')).toBe(MISSING);
  });
});

describe(formatText.name, () => {
  it('never renders undefined, null, NaN or an empty string', () => {
    expect([undefined, null, Number.NaN, ''].map(formatText)).toEqual([MISSING, MISSING, MISSING, MISSING]);
    expect(formatText('cpu')).toBe('cpu');
    expect(formatText(3)).toBe('3');
  });
});
