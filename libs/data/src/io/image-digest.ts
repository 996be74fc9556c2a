import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { invalidInput, type ImageDigest } from '@agiqa/contracts';

/** Files hashed at once: enough to keep the disk busy, few enough to stay under open-file limits. */
const CONCURRENCY = 8;

/** sha256 of a file's bytes (streamed), with the size and mtime it had. Fails naming the file. */
export async function digestFile(file: string): Promise<ImageDigest> {
  const before = await statOrFail(file);
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    throw unreadable(file, error);
  }
  return { sha256: hash.digest('hex'), size: before.size, mtimeMs: before.mtimeMs };
}

/**
 * The current digest of every item's image (`imagePath` relative to `baseDir`). A recorded digest
 * is kept when the file's size and mtime still match it; other files (changed, or never hashed) are
 * hashed again, `CONCURRENCY` at a time. Returns the digests in item order and the positions that
 * were (re)hashed, which the caller stores.
 */
export async function currentImageDigests(
  baseDir: string,
  items: readonly { imagePath: string; digest: ImageDigest | null }[],
): Promise<{ digests: ImageDigest[]; hashed: number[] }> {
  const digests: ImageDigest[] = new Array(items.length);
  const hashed: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const { imagePath, digest } = items[i];
      const file = path.join(baseDir, imagePath);
      const now = await statOrFail(file);
      if (digest !== null && digest.size === now.size && digest.mtimeMs === now.mtimeMs) {
        digests[i] = digest;
      } else {
        digests[i] = await digestFile(file);
        hashed.push(i);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return { digests, hashed: hashed.sort((a, b) => a - b) };
}

async function statOrFail(file: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    const s = await stat(file);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch (error) {
    throw unreadable(file, error);
  }
}

function unreadable(file: string, error: unknown) {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return invalidInput(`image ${file}: cannot be read (${reason})`, [{ path: file, message: 'unreadable image file' }]);
}
