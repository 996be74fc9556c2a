import { invalidInput } from '@agiqa/contracts';
import { deflateSync, inflateSync } from 'node:zlib';

/**
 * MATLAB Level 5 MAT-file reader (what `save -v6` / `-v7` and `scipy.io.savemat` write), little
 * endian, numeric matrices in full; other array classes are listed but not decoded. v7.3 files are
 * HDF5 containers and are refused with a way out. Layout reference: MathWorks, "MAT-File Format"
 * (matfile_format.pdf), ch. 1.
 */

const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

/** mxClass codes (array flags, low byte) → name. */
const MX_CLASS_NAMES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};
const NUMERIC_CLASSES = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
const COMPLEX_FLAG = 0x0800;

/** One variable of a MAT-file. Numeric data is widened to float64, column-major as MATLAB stores it. */
export interface MatVariable {
  name: string;
  /** `double`, `single`, `int32`, … or a non-numeric class (`char`, `cell`, `struct`, …). */
  className: string;
  dims: number[];
  /** Real part, column-major; empty for non-numeric classes. */
  data: Float64Array;
  /** False for char, cell, struct, sparse and object arrays (their data is not decoded). */
  numeric: boolean;
  complex: boolean;
}

function fail(file: string, message: string): never {
  throw invalidInput(`${file}: ${message}`, [{ path: file, message }]);
}

interface Element {
  type: number;
  /** Payload bytes. */
  data: Uint8Array;
  /** Offset of the next element in the enclosing buffer. */
  next: number;
}

/** Reads the data element tag at `offset` (normal 8-byte tag or the 4-byte "small data element"). */
function readElement(buf: Uint8Array, offset: number, file: string): Element {
  if (offset + 8 > buf.length) fail(file, `truncated: a data element tag at byte ${offset} runs past the end`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const word = view.getUint32(offset, true);
  const smallBytes = word >>> 16;
  if (smallBytes !== 0) {
    // Small data element: type and size share the first 4 bytes; up to 4 payload bytes follow.
    if (smallBytes > 4) fail(file, `corrupt small data element at byte ${offset}`);
    return { type: word & 0xffff, data: buf.subarray(offset + 4, offset + 4 + smallBytes), next: offset + 8 };
  }
  const type = word;
  const size = view.getUint32(offset + 4, true);
  const start = offset + 8;
  if (start + size > buf.length) fail(file, `truncated: a data element at byte ${offset} declares ${size} bytes, ${buf.length - start} remain`);
  // Compressed elements are not padded; everything else is padded to 8 bytes.
  const padded = type === MI.COMPRESSED ? size : Math.ceil(size / 8) * 8;
  return { type, data: buf.subarray(start, start + size), next: start + padded };
}

/** Widens a numeric element payload to float64. */
function toFloat64(element: Element, file: string): Float64Array {
  const { type, data } = element;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width: Record<number, number> = {
    [MI.INT8]: 1, [MI.UINT8]: 1, [MI.INT16]: 2, [MI.UINT16]: 2, [MI.INT32]: 4, [MI.UINT32]: 4,
    [MI.SINGLE]: 4, [MI.DOUBLE]: 8, [MI.INT64]: 8, [MI.UINT64]: 8,
  };
  const w = width[type];
  if (w === undefined) fail(file, `unsupported numeric storage type ${type}`);
  const n = data.byteLength / w;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * w;
    switch (type) {
      case MI.INT8: out[i] = view.getInt8(at); break;
      case MI.UINT8: out[i] = view.getUint8(at); break;
      case MI.INT16: out[i] = view.getInt16(at, true); break;
      case MI.UINT16: out[i] = view.getUint16(at, true); break;
      case MI.INT32: out[i] = view.getInt32(at, true); break;
      case MI.UINT32: out[i] = view.getUint32(at, true); break;
      case MI.SINGLE: out[i] = view.getFloat32(at, true); break;
      case MI.DOUBLE: out[i] = view.getFloat64(at, true); break;
      case MI.INT64: out[i] = Number(view.getBigInt64(at, true)); break;
      case MI.UINT64: out[i] = Number(view.getBigUint64(at, true)); break;
    }
  }
  return out;
}

function parseMatrix(content: Uint8Array, file: string): MatVariable {
  const flags = readElement(content, 0, file);
  if (flags.type !== MI.UINT32 || flags.data.byteLength < 8) fail(file, 'corrupt array: missing array flags');
  const flagView = new DataView(flags.data.buffer, flags.data.byteOffset, 8);
  const flagWord = flagView.getUint32(0, true);
  const classCode = flagWord & 0xff;
  const className = MX_CLASS_NAMES[classCode] ?? `class ${classCode}`;
  const complex = (flagWord & COMPLEX_FLAG) !== 0;

  const dimsElement = readElement(content, flags.next, file);
  if (dimsElement.type !== MI.INT32) fail(file, 'corrupt array: missing dimensions');
  const dims = Array.from(toFloat64(dimsElement, file));

  const nameElement = readElement(content, dimsElement.next, file);
  const name = new TextDecoder('latin1').decode(nameElement.data);

  if (!NUMERIC_CLASSES.has(classCode)) {
    return { name, className, dims, data: new Float64Array(0), numeric: false, complex };
  }
  const real = readElement(content, nameElement.next, file);
  const data = toFloat64(real, file);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    fail(file, `variable ${name}: ${data.length} values for dimensions ${dims.join('×')}`);
  }
  return { name, className, dims, data, numeric: true, complex };
}

/** Decodes every top-level variable; compressed (miCOMPRESSED) and plain elements alike. */
export function readMat(bytes: Uint8Array, file: string): MatVariable[] {
  if (bytes.length < 128) fail(file, 'not a MAT-file: shorter than the 128-byte header');
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  if (!text.startsWith('MATLAB')) {
    fail(file, 'not a MATLAB Level 5 MAT-file (no "MATLAB" header text; v4 files are not supported — re-save with -v7)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(124, true);
  if (/MATLAB 7\.3/.test(text) || version === 0x0200) {
    fail(file, 'saved with -v7.3 (an HDF5 container); re-save with -v7 (`save(f, "MOSz", "-v7")`) or convert to CSV');
  }
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (endian === 'MI') fail(file, 'big-endian MAT-file; re-save it on a little-endian machine or convert to CSV');
  if (endian !== 'IM') fail(file, `not a MAT-file: endian indicator ${JSON.stringify(endian)}`);

  const variables: MatVariable[] = [];
  const walk = (buf: Uint8Array, start: number) => {
    let offset = start;
    while (offset + 8 <= buf.length) {
      const element = readElement(buf, offset, file);
      if (element.type === MI.COMPRESSED) {
        let inflated: Buffer;
        try {
          inflated = inflateSync(element.data);
        } catch (error) {
          fail(file, `corrupt compressed element at byte ${offset}: ${(error as Error).message}`);
        }
        walk(new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength), 0);
      } else if (element.type === MI.MATRIX) {
        if (element.data.byteLength > 0) variables.push(parseMatrix(element.data, file));
      }
      offset = element.next;
    }
  };
  walk(bytes, 128);
  return variables;
}

/**
 * The numeric variable `name` of a MAT-file. A missing variable is an error listing the variables
 * the file does have; a non-numeric or complex one is an error naming its class.
 */
export function readMatVariable(bytes: Uint8Array, file: string, name: string): MatVariable {
  const variables = readMat(bytes, file);
  const found = variables.find((v) => v.name === name);
  if (!found) {
    const present = variables.map((v) => `${v.name} (${v.dims.join('×')} ${v.className})`).join(', ') || 'none';
    fail(file, `has no variable ${JSON.stringify(name)}; variables present: ${present}`);
  }
  if (!found.numeric) {
    fail(file, `variable ${name} is a ${found.className} array; expected a numeric matrix`);
  }
  if (found.complex) fail(file, `variable ${name} is complex; expected real numbers`);
  return found;
}

/** A numeric matrix to write: `data` column-major, `rows × cols` values. */
export interface MatMatrixInput {
  name: string;
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

function tag(type: number, size: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(size, 4);
  return b;
}

function matrixElement(m: MatMatrixInput): Buffer {
  const n = m.rows * m.cols;
  if (m.data.length !== n) throw invalidInput(`matrix ${m.name}: ${m.data.length} values for ${m.rows}×${m.cols}`);
  const flags = Buffer.concat([tag(MI.UINT32, 8), Buffer.from([6, 0, 0, 0, 0, 0, 0, 0])]);
  const dims = Buffer.alloc(16);
  dims.writeUInt32LE(MI.INT32, 0);
  dims.writeUInt32LE(8, 4);
  dims.writeInt32LE(m.rows, 8);
  dims.writeInt32LE(m.cols, 12);
  const nameBytes = Buffer.from(m.name, 'latin1');
  let name: Buffer;
  if (nameBytes.length <= 4) {
    // Small data element, as MATLAB writes short names.
    name = Buffer.alloc(8);
    name.writeUInt32LE(MI.INT8 | (nameBytes.length << 16), 0);
    nameBytes.copy(name, 4);
  } else {
    name = Buffer.concat([tag(MI.INT8, nameBytes.length), nameBytes, Buffer.alloc(pad8(nameBytes.length) - nameBytes.length)]);
  }
  const real = Buffer.alloc(8 + n * 8);
  real.writeUInt32LE(MI.DOUBLE, 0);
  real.writeUInt32LE(n * 8, 4);
  for (let i = 0; i < n; i++) real.writeDoubleLE(m.data[i], 8 + i * 8);
  const content = Buffer.concat([flags, dims, name, real]);
  return Buffer.concat([tag(MI.MATRIX, content.length), content]);
}

/**
 * Writes a Level 5 MAT-file of double matrices, each element plain or zlib-compressed
 * (miCOMPRESSED, as `save -v7` does). Used by tests to build author-layout fixtures.
 */
export function writeMat(matrices: readonly MatMatrixInput[], options: { compress?: boolean } = {}): Buffer {
  const header = Buffer.alloc(128, 0x20);
  header.write('MATLAB 5.0 MAT-file, Platform: agiqa, Created by: @agiqa/data writeMat', 0, 'latin1');
  header.fill(0, 116, 124);
  header.writeUInt16LE(0x0100, 124);
  header.write('IM', 126, 'latin1');
  const elements = matrices.map((m) => {
    const element = matrixElement(m);
    if (!options.compress) return element;
    const packed = deflateSync(element);
    return Buffer.concat([tag(MI.COMPRESSED, packed.length), packed]);
  });
  return Buffer.concat([header, ...elements]);
}
