import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { invalidInput } from '@agiqa/contracts';

/**
 * Checkpoint file layout (little-endian), written by this module only:
 *
 *   8 bytes  magic "AGQCKPT1"
 *   4 bytes  uint32 header length H
 *   H bytes  header JSON (UTF-8), then zero padding to a multiple of 4
 *   …        float32 payload: the arrays listed in `header.arrays`, back to back
 *
 * JSON keeps numbers exact (shortest round-trip decimal), float32 arrays are stored raw, so a
 * restore reproduces the state bit for bit.
 */
const MAGIC = 'AGQCKPT1';
export const CHECKPOINT_FILE = 'latest.ckpt';

export interface CheckpointArray {
  name: string;
  length: number;
}

export interface CheckpointContent<H> {
  header: H;
  arrays: Map<string, Float32Array>;
}

/** Accepts a plain path or a `file://` URI (the form heartbeats and DB rows carry). */
export function checkpointPath(pathOrUri: string): string {
  if (pathOrUri.startsWith('file:')) return fileURLToPath(pathOrUri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUri)) {
    throw invalidInput(`resumeFrom "${pathOrUri}" is not a file path or file:// URI`, [
      { path: 'resumeFrom', message: 'must be a path or file:// URI' },
    ]);
  }
  return isAbsolute(pathOrUri) ? pathOrUri : resolve(pathOrUri);
}

/**
 * Writes a checkpoint atomically: a uniquely named temp file in the same folder, fsync, then
 * rename over `latest.ckpt`. A crash at any point leaves either the previous checkpoint or the new
 * one, never a torn file. Returns the `file://` URI of the checkpoint.
 */
export async function writeCheckpoint<H extends object>(
  dir: string,
  header: H,
  arrays: [name: string, values: Float32Array][],
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const index: CheckpointArray[] = arrays.map(([name, values]) => ({ name, length: values.length }));
  const headerBytes = Buffer.from(JSON.stringify({ ...header, arrays: index }), 'utf8');
  const prefix = 8 + 4 + headerBytes.length;
  const padding = (4 - (prefix % 4)) % 4;
  const start = Buffer.alloc(12 + padding);
  start.write(MAGIC, 0, 'ascii');
  start.writeUInt32LE(headerBytes.length, 8);
  const final = join(dir, CHECKPOINT_FILE);
  const temp = join(dir, `.${CHECKPOINT_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.write(start.subarray(0, 12));
    await handle.write(headerBytes);
    if (padding > 0) await handle.write(Buffer.alloc(padding));
    for (const [, values] of arrays) {
      await handle.write(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, final);
  // Persist the rename itself; not every filesystem lets a directory be fsynced, which is fine.
  try {
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch {
    /* best effort */
  }
  return pathToFileURL(final).href;
}

/**
 * Whether the file starts with this module's signature: tells a tfjs checkpoint from another
 * engine's by content, since a store's local copy need not keep the file's name.
 */
export async function hasCheckpointSignature(pathOrUri: string): Promise<boolean> {
  const handle = await open(checkpointPath(pathOrUri), 'r');
  try {
    const start = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await handle.read(start, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && start.toString('ascii') === MAGIC;
  } finally {
    await handle.close();
  }
}

/** Reads a checkpoint written by `writeCheckpoint`; a bad file fails naming the path. */
export async function readCheckpoint<H>(pathOrUri: string): Promise<CheckpointContent<H>> {
  const path = checkpointPath(pathOrUri);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw invalidInput(`cannot read checkpoint ${path}: ${(error as Error).message}`, [
      { path: 'resumeFrom', message: 'checkpoint not readable' },
    ]);
  }
  const corrupt = (why: string) =>
    invalidInput(`${path} is not a usable checkpoint: ${why}`, [{ path: 'resumeFrom', message: why }]);
  if (bytes.length < 12 || bytes.toString('ascii', 0, 8) !== MAGIC) throw corrupt(`missing the ${MAGIC} signature`);
  const headerLength = bytes.readUInt32LE(8);
  if (12 + headerLength > bytes.length) throw corrupt('header runs past the end of the file');
  let parsed: H & { arrays: CheckpointArray[] };
  try {
    parsed = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength));
  } catch {
    throw corrupt('header is not valid JSON');
  }
  let offset = 12 + headerLength;
  offset += (4 - (offset % 4)) % 4;
  const arrays = new Map<string, Float32Array>();
  for (const { name, length } of parsed.arrays) {
    const byteLength = length * 4;
    if (offset + byteLength > bytes.length) throw corrupt(`array "${name}" runs past the end of the file (truncated?)`);
    // Copy: the Buffer's offset inside its pool need not be 4-byte aligned.
    arrays.set(name, new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + byteLength)));
    offset += byteLength;
  }
  if (offset !== bytes.length) throw corrupt(`${bytes.length - offset} unexpected trailing bytes`);
  const { arrays: _index, ...header } = parsed;
  return { header: header as H, arrays };
}
