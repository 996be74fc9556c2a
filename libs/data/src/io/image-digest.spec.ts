import { createHash } from 'node:crypto';
import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../testing/layouts.js';
import { currentImageDigests, digestFile } from './image-digest.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir()));
afterEach(() => cleanup());

const sha256 = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

describe(digestFile.name, () => {
  it('hashes the bytes and records the size and mtime it had', async () => {
    const file = path.join(dir, 'a.png');
    await writeFile(file, 'first image');
    await utimes(file, 1_700_000_000, 1_700_000_000);
    expect(await digestFile(file)).toEqual({ sha256: sha256('first image'), size: 11, mtimeMs: 1_700_000_000_000 });
  });

  it('fails naming a missing file', async () => {
    const error = await digestFile(path.join(dir, 'gone.png')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).message).toContain('gone.png: cannot be read (ENOENT)');
  });
});

describe(currentImageDigests.name, () => {
  it('keeps a recorded digest while size and mtime match, and hashes changed or unrecorded files again', async () => {
    for (const name of ['a.png', 'b.png', 'c.png']) await writeFile(path.join(dir, name), `bytes of ${name}`);
    const first = await currentImageDigests(dir, ['a.png', 'b.png', 'c.png'].map((imagePath) => ({ imagePath, digest: null })));
    expect(first.hashed).toEqual([0, 1, 2]);
    expect(first.digests.map((d) => d.sha256)).toEqual(['a.png', 'b.png', 'c.png'].map((name) => sha256(`bytes of ${name}`)));

    // a.png unchanged (its recorded digest is trusted: a stand-in sha shows it was not re-read),
    // b.png rewritten, c.png never hashed.
    const trusted = { ...first.digests[0], sha256: 'recorded' };
    await writeFile(path.join(dir, 'b.png'), 'other bytes');
    await utimes(path.join(dir, 'b.png'), 1_800_000_000, 1_800_000_000);
    const again = await currentImageDigests(dir, [
      { imagePath: 'a.png', digest: trusted },
      { imagePath: 'b.png', digest: first.digests[1] },
      { imagePath: 'c.png', digest: null },
    ]);
    expect(again.hashed).toEqual([1, 2]);
    expect(again.digests.map((d) => d.sha256)).toEqual(['recorded', sha256('other bytes'), sha256('bytes of c.png')]);
  });
});
