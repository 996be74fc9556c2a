import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readXlsx } from './xlsx.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/xlsx');
const read = (name: string) => readXlsx(readFileSync(path.join(fixtures, name)), name);
const expected = JSON.parse(readFileSync(path.join(fixtures, 'cells.json'), 'utf8')) as { rows: unknown[] };

describe(readXlsx.name, () => {
  it('reads inline and rich-text strings, numbers, booleans and gaps as openpyxl wrote them', () => {
    expect(read('cells.xlsx')).toEqual(expected.rows);
  });

  it('reads the same cells stored as shared strings, as XlsxWriter (and Excel) store them', () => {
    expect(read('cells_shared.xlsx')).toEqual(expected.rows);
  });

  it('reads a prompt sheet with quotes, commas, ampersands and non-ASCII text', () => {
    expect(read('prompts_header.xlsx')).toEqual([
      { line: 1, cells: ['No.', 'Class', 'Prompt', 'Style'] },
      { line: 2, cells: ['1', 'animal', 'A cat, sitting on a "red" chair & smiling', 'realistic'] },
      { line: 3, cells: ['2', 'scene', 'Ein Haus am See — 夕焼け', 'oil painting'] },
    ]);
  });

  it('tells the user to export CSV when the file is not a workbook', () => {
    expect(() => readXlsx(Buffer.from('prompt,style\nx,y\n'), 'prompts.xlsx')).toThrow(
      /prompts\.xlsx: is not an \.xlsx workbook.*CSV UTF-8/,
    );
    const ole = Buffer.alloc(64);
    ole.writeUInt32LE(0xe011cfd0, 0);
    expect(() => readXlsx(ole, 'old.xls')).toThrow(/legacy \.xls/);
  });
});
