import { open, readFile } from 'node:fs/promises';
import { invalidInput } from '@agiqa/contracts';

/**
 * The safetensors format (huggingface/safetensors: 8-byte little-endian header length, a JSON
 * header naming each tensor's dtype, shape and byte range, then the raw little-endian data), for
 * the two places TypeScript meets the torch engine's files: the features it trains on (read by the
 * engine with safetensors' own Python reader, so every torch-engine test exercises this writer), and
 * the parity test's exchange. Hand-written because no maintained npm package writes the format; it
 * is a page of code.
 */

export type SafetensorsDtype = 'F32' | 'I32' | 'I64' | 'F64';

export interface NamedTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array | BigInt64Array | Float64Array;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, I32: 4, I64: 8, F64: 8 };

/** Writes `tensors` (in the order given) to `path`, with optional string metadata. */
export async function writeSafetensors(path: string, tensors: readonly NamedTensor[], metadata?: Record<string, string>): Promise<void> {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`safetensors: ${t.name} has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const bytes = size * BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // The data starts 8-byte aligned: pad the header with spaces (the format allows trailing whitespace).
  const padding = (8 - (json.length % 8)) % 8;
  if (padding > 0) json = Buffer.concat([json, Buffer.alloc(padding, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const handle = await open(path, 'w');
  try {
    await handle.write(prefix);
    await handle.write(json);
    for (const t of tensors) await handle.write(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, { dtype: string; shape: number[]; data: Float32Array | Int32Array | Float64Array | BigInt64Array }>;
}

/** Reads a safetensors file; a malformed one fails naming the path and why. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const bytes = await readFile(path);
  const bad = (why: string) => invalidInput(`${path} is not a readable safetensors file: ${why}`, [{ path, message: why }]);
  if (bytes.length < 8) throw bad('shorter than its 8-byte header length');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (8 + headerLength > bytes.length) throw bad('header runs past the end of the file');
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength));
  } catch {
    throw bad('header is not JSON');
  }
  const start = 8 + headerLength;
  const tensors: SafetensorsFile['tensors'] = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (start + end > bytes.length) throw bad(`${name} runs past the end of the file`);
    // Copy: the Buffer's offset inside its pool need not be aligned for a typed array view.
    const raw = bytes.buffer.slice(bytes.byteOffset + start + begin, bytes.byteOffset + start + end);
    const data =
      dtype === 'F32' ? new Float32Array(raw) : dtype === 'I32' ? new Int32Array(raw) : dtype === 'F64' ? new Float64Array(raw) : dtype === 'I64' ? new BigInt64Array(raw) : null;
    if (data === null) throw bad(`${name} has dtype ${dtype}, which this reader does not handle`);
    tensors.set(name, { dtype, shape, data });
  }
  return { metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {}, tensors };
}
