import { AgiqaError } from '@agiqa/contracts';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, parse, reportError } from './cli-error.js';

describe('parse', () => {
  it('names the flag and the value when an integer flag is not an integer', () => {
    expect(() => parse.int('--epochs')('ten')).toThrow(new InvalidArgumentError('--epochs must be an integer, got "ten"'));
    expect(() => parse.int('--epochs')('1.5')).toThrow(/--epochs must be an integer/);
  });

  it('enforces a minimum', () => {
    expect(() => parse.int('--images', 50)('10')).toThrow('--images must be ≥ 50, got 10');
    expect(parse.int('--images', 50)('50')).toBe(50);
  });

  it('splits lists and keeps empty items so validation can point at them', () => {
    expect(parse.list('bert-base, roberta')).toEqual(['bert-base', 'roberta']);
    expect(parse.list('a,,b')).toEqual(['a', '', 'b']);
    expect(parse.intList('--seeds')('0,1,2')).toEqual([0, 1, 2]);
    expect(() => parse.intList('--seeds')('0,x')).toThrow('--seeds must be an integer, got "x"');
  });
});

describe(reportError.name, () => {
  it('maps error codes to distinct exit statuses and prints every problem', () => {
    const lines: string[] = [];
    const status = reportError(
      new AgiqaError('invalid_input', 'invalid grid', [
        { path: 'encoders.0', message: 'unknown' },
        { path: 'epochs', message: 'too small' },
      ]),
      (line) => lines.push(line),
    );
    expect(status).toBe(EXIT_CODES.invalid_input);
    expect(lines).toEqual(['error: invalid grid', '  encoders.0: unknown', '  epochs: too small']);
    // Only unauthorized and forbidden share a status (both mean: fix your credentials).
    expect(new Set(Object.values(EXIT_CODES)).size).toBe(Object.keys(EXIT_CODES).length - 1);
  });
});
