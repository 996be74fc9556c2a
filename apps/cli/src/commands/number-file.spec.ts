import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { readNumberFile } from './number-file.js';

const dir = mkdtempSync(join(tmpdir(), 'agiqa-numbers-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe(readNumberFile.name, () => {
  it('reads one number per line and ignores blank lines and CRLF', () => {
    expect(readNumberFile(file('ok.txt', '1\r\n2.5\n\n-3e-1\n'), '--pred')).toEqual([1, 2.5, -0.3]);
  });

  it('reports every bad line with file and line number', () => {
    const path = file('bad.txt', '1\nabc\n3\nNaN\n');
    try {
      readNumberFile(path, '--mos');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AgiqaError);
      expect((error as AgiqaError).details.map((d) => d.path)).toEqual([`${path}:2`, `${path}:4`]);
    }
  });

  it('names the flag when the file is missing or empty', () => {
    expect(() => readNumberFile(join(dir, 'nope.txt'), '--pred')).toThrow(/--pred .*nope\.txt: cannot read the file \(ENOENT\)/);
    expect(() => readNumberFile(file('empty.txt', '\n\n'), '--pred')).toThrow('has no numbers');
  });
});
