import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { readScoreFile } from './score-file.js';

const dir = mkdtempSync(join(tmpdir(), 'agiqa-numbers-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe(readScoreFile.name, () => {
  it('reads one number per line and ignores blank lines and CRLF', async () => {
    expect(Array.from(await readScoreFile(file('ok.txt', '1\r\n2.5\n\n-3e-1\n'), '--pred'))).toEqual([1, 2.5, -0.3]);
  });

  it('reports every bad line with file and line number', async () => {
    const path = file('bad.txt', '1\nabc\n3\nNaN\n');
    const error = await readScoreFile(path, '--mos').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).details.map((d) => d.path)).toEqual([`${path}:2`, `${path}:4`]);
  });

  it('names the flag when the file is missing', async () => {
    await expect(readScoreFile(join(dir, 'nope.txt'), '--pred')).rejects.toThrow(/--pred .*nope\.txt: cannot read the file \(ENOENT\)/);
  });
});
