import { AgiqaError, CreateSweepBodySchema } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { ZodValidationPipe, zodDto } from './zod-dto.js';

class GridDto extends zodDto(CreateSweepBodySchema) {}

describe(ZodValidationPipe.name, () => {
  const sut = new ZodValidationPipe();
  const grid = { encoders: ['bert-base'], fusions: ['concat'], datasets: ['agiqa3k'], seeds: [0] };

  it('returns the parsed value with defaults applied', () => {
    const parsed = sut.transform(grid, { type: 'body', metatype: GridDto }) as GridDto;
    expect(parsed.epochs).toBe(100);
  });

  it('rejects bad input naming every field', () => {
    let caught: unknown;
    try {
      sut.transform({ ...grid, encoders: ['bert-large'], epochs: -1 }, { type: 'body', metatype: GridDto });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AgiqaError);
    expect((caught as AgiqaError).details.map((d) => d.path).sort()).toEqual(['encoders.0', 'epochs']);
    expect((caught as AgiqaError).message).toMatch(/^invalid request body: /);
  });

  it('rejects a lone surrogate anywhere (jsonb cannot store it), keeping well-formed pairs', () => {
    expect(() => sut.transform({ ...grid, name: 'x\ud800y' }, { type: 'body', metatype: GridDto })).toThrow(
      'request body contains a lone surrogate (not valid Unicode) at name',
    );
    expect(() => sut.transform({ ...grid, modelOverrides: { ['\udc00']: 'x' } }, { type: 'body', metatype: GridDto })).toThrow('at modelOverrides.\udc00');
    expect(() => sut.transform({ ...grid, name: 'ends high \udbff' }, { type: 'body', metatype: GridDto })).toThrow('lone surrogate');
    expect(sut.transform({ ...grid, name: 'astral \ud83d\ude00 ok' }, { type: 'body', metatype: GridDto })).toMatchObject({ name: 'astral 😀 ok' });
  });

  it('rejects a NUL character anywhere, path parameters included, naming where', () => {
    expect(() => sut.transform('a\u0000', { type: 'param', metatype: String, data: 'id' })).toThrow('path parameter contains a NUL character at id');
    expect(() => sut.transform({ ...grid, name: 'x\u0000y' }, { type: 'body', metatype: GridDto })).toThrow('request body contains a NUL character at name');
    expect(() => sut.transform({ dataset: ['ok', '\u0000'] }, { type: 'query', metatype: Object })).toThrow('query string contains a NUL character at dataset.1');
  });

  it('passes arguments without a zod DTO through untouched', () => {
    expect(sut.transform('abc', { type: 'param', metatype: String, data: 'id' })).toBe('abc');
  });
});
