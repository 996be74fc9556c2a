import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GridSpecSchema, parseOrThrow } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { gridFromFlags } from './sweep.command.js';

describe(gridFromFlags.name, () => {
  it('layers flags over the grid file, split fields included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agiqa-grid-'));
    const path = join(dir, 'grid.json');
    writeFileSync(path, JSON.stringify({ encoders: ['bert-base'], fusions: ['concat'], datasets: ['a'], seeds: [0], split: { unit: 'image', repeats: 3 } }));
    const grid = parseOrThrow(GridSpecSchema, gridFromFlags({ file: path, epochs: 5, train: 0.7, fusions: ['cosine', 'concat'] }), 'grid');
    expect(grid.epochs).toBe(5);
    expect(grid.fusions).toEqual(['cosine', 'concat']);
    expect(grid.split).toMatchObject({ unit: 'image', repeats: 3, train: 0.7 });
  });

  it('lets validation name the field a bad flag maps to', () => {
    expect(() =>
      parseOrThrow(GridSpecSchema, gridFromFlags({ encoders: ['bert-large'], fusions: ['concat'], datasets: ['a'], seeds: [0], epochs: -1 }), 'grid'),
    ).toThrow(/encoders\.0: .*; epochs: /);
  });

  it('starts a zero-shot CLIP-IQA grid from flags, its options layered over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agiqa-grid-'));
    const path = join(dir, 'grid.json');
    writeFileSync(path, JSON.stringify({ datasets: ['a'], clipIqa: { prompts: ['Sharp photo.', 'Blurry photo.'] } }));
    const grid = parseOrThrow(GridSpecSchema, gridFromFlags({ file: path, methods: ['clip-iqa'], logitScale: 100 }), 'grid');
    expect(grid).toMatchObject({ methods: ['clip-iqa'], encoders: [], clipIqa: { prompts: ['Sharp photo.', 'Blurry photo.'], logitScale: 100 } });
    const pair = gridFromFlags({ methods: ['clip-iqa'], datasets: ['a'], clipIqaPrompts: ['Good.', 'Bad.'] });
    expect(parseOrThrow(GridSpecSchema, pair, 'grid').clipIqa).toEqual({ prompts: ['Good.', 'Bad.'], logitScale: 1 });
  });

  it('rejects a grid file that is not JSON, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agiqa-grid-'));
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ nope');
    expect(() => gridFromFlags({ file: path })).toThrow(`--file ${path}:`);
  });
});
