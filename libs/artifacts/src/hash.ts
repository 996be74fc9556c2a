import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex sha256 of a file, streamed (checkpoints and feature files can be large). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Bytes(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A unique temporary name beside `path` (same folder, so a rename onto `path` is atomic). */
export function tempBeside(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.tmp-${path.slice(slash + 1, slash + 41)}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Names written by the stores themselves while a write is in progress; never listed. */
export function isTempName(name: string): boolean {
  return name.startsWith('.tmp-');
}
