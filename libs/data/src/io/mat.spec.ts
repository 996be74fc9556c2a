import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readMat, readMatVariable, writeMat } from './mat.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/mat');
const scipyValues = JSON.parse(readFileSync(path.join(fixtures, 'scipy_values.json'), 'utf8')) as {
  MOSz: number[];
  SD: number[];
  counts: { dims: number[]; columnMajor: number[] };
};

describe(readMat.name, () => {
  for (const file of ['scipy_plain.mat', 'scipy_compressed.mat']) {
    it(`reads the matrices SciPy wrote to ${file}`, () => {
      const bytes = readFileSync(path.join(fixtures, file));
      const mosz = readMatVariable(bytes, file, 'MOSz');
      expect(mosz.dims).toEqual([48, 1]);
      expect(mosz.className).toBe('double');
      expect(Array.from(mosz.data)).toEqual(scipyValues.MOSz);
      expect(Array.from(readMatVariable(bytes, file, 'SD').data)).toEqual(scipyValues.SD);
      const counts = readMatVariable(bytes, file, 'counts');
      expect(counts.className).toBe('int32');
      expect(counts.dims).toEqual(scipyValues.counts.dims);
      expect(Array.from(counts.data)).toEqual(scipyValues.counts.columnMajor);
    });
  }

  it('lists non-numeric variables without decoding them', () => {
    const variables = readMat(readFileSync(path.join(fixtures, 'scipy_plain.mat')), 'scipy_plain.mat');
    expect(variables.map((v) => v.name).sort()).toEqual(['MOSz', 'SD', 'counts', 'label']);
    expect(variables.find((v) => v.name === 'label')).toMatchObject({ className: 'char', numeric: false });
  });

  it('round-trips what writeMat writes, plain and compressed, short and long names', () => {
    const mos = Array.from({ length: 24 }, (_, i) => 10 + i / 3);
    for (const compress of [false, true]) {
      const bytes = writeMat(
        [
          { name: 'MOSz', rows: 24, cols: 1, data: mos },
          { name: 'longer_name', rows: 2, cols: 2, data: [1, -2, 3.5, 1e-9] },
        ],
        { compress },
      );
      const variables = readMat(bytes, 'x.mat');
      expect(variables.map((v) => [v.name, v.dims])).toEqual([
        ['MOSz', [24, 1]],
        ['longer_name', [2, 2]],
      ]);
      expect(Array.from(variables[0].data)).toEqual(mos);
      expect(Array.from(variables[1].data)).toEqual([1, -2, 3.5, 1e-9]);
    }
  });

  it('rejects a -v7.3 (HDF5) file with a way out', () => {
    const bytes = Buffer.alloc(1024);
    bytes.write('MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 .', 0, 'latin1');
    bytes.writeUInt16LE(0x0200, 124);
    bytes.write('IM', 126, 'latin1');
    bytes.write('\x89HDF\r\n\x1a\n', 512, 'latin1');
    expect(() => readMat(bytes, 'DATA/MOS/mosz1.mat')).toThrow(/DATA\/MOS\/mosz1\.mat: saved with -v7\.3.*re-save with -v7.*convert to CSV/);
  });

  it('names the variables present when the wanted one is missing', () => {
    const bytes = writeMat([{ name: 'mos', rows: 2, cols: 1, data: [1, 2] }]);
    expect(() => readMatVariable(bytes, 'mosz1.mat', 'MOSz')).toThrow(
      'mosz1.mat: has no variable "MOSz"; variables present: mos (2×1 double)',
    );
  });

  it('refuses a char variable where numbers are expected', () => {
    const bytes = readFileSync(path.join(fixtures, 'scipy_plain.mat'));
    expect(() => readMatVariable(bytes, 'f.mat', 'label')).toThrow('variable label is a char array; expected a numeric matrix');
  });

  it('reports a truncated file instead of reading past its end', () => {
    const bytes = writeMat([{ name: 'MOSz', rows: 10, cols: 1, data: Array.from({ length: 10 }, (_, i) => i) }]);
    expect(() => readMat(bytes.subarray(0, bytes.length - 20), 'cut.mat')).toThrow(/cut\.mat: truncated/);
  });

  it('reports a file that is not a MAT-file', () => {
    expect(() => readMat(Buffer.from('name,prompt\n'.repeat(20)), 'mosz1.mat')).toThrow(/not a MATLAB Level 5 MAT-file/);
  });
});
