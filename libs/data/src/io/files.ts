import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ProblemCollector } from '../validate/problems.js';

/** Why a file could not be read, in words a user can act on. */
function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a folder, expected a file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  return `cannot be read: ${(error as Error).message}`;
}

/**
 * Reads `rel` (relative to `root`) as bytes; a missing or unreadable file becomes a problem naming
 * it, and the result is undefined.
 */
export async function readBytes(root: string, rel: string, problems: ProblemCollector): Promise<Buffer | undefined> {
  try {
    return await readFile(path.join(root, rel));
  } catch (error) {
    problems.add({ file: rel }, describeReadError(error));
    return undefined;
  }
}

/**
 * Reads `rel` as UTF-8 text. Bytes that are not UTF-8 (a CSV saved as Latin-1 or UTF-16 by a
 * spreadsheet) are a problem naming the line of the first bad byte.
 */
export async function readUtf8(root: string, rel: string, problems: ProblemCollector): Promise<string | undefined> {
  const bytes = await readBytes(root, rel, problems);
  if (bytes === undefined) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const line = firstInvalidUtf8Line(bytes);
    problems.add({ file: rel, line }, 'is not UTF-8 text; re-save it as "CSV UTF-8"');
    return undefined;
  }
}

/** 1-based line of the first byte sequence that is not valid UTF-8. */
function firstInvalidUtf8Line(bytes: Buffer): number {
  let line = 1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a) line++;
    if (b < 0x80) continue;
    const extra = b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1;
    if (extra < 0) return line;
    for (let k = 1; k <= extra; k++) {
      if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return line;
    }
    i += extra;
  }
  return line;
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * Which of `relPaths` (relative to `root`, `/`-separated) exist as files. Lists each folder once
 * instead of one `stat` per image: 3,000 images cost a handful of `readdir` calls.
 */
export async function existingFiles(root: string, relPaths: readonly string[]): Promise<Set<string>> {
  const listings = new Map<string, Promise<Set<string>>>();
  const list = (dir: string) => {
    let listing = listings.get(dir);
    if (!listing) {
      listing = readdir(path.join(root, dir), { withFileTypes: true })
        .then((entries) => new Set(entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name)))
        .catch(() => new Set<string>());
      listings.set(dir, listing);
    }
    return listing;
  };
  const found = new Set<string>();
  await Promise.all(
    relPaths.map(async (rel) => {
      const slash = rel.lastIndexOf('/');
      const dir = slash < 0 ? '' : rel.slice(0, slash);
      if ((await list(dir)).has(rel.slice(slash + 1))) found.add(rel);
    }),
  );
  return found;
}
