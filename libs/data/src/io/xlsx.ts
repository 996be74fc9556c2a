import { invalidInput } from '@agiqa/contracts';
import { inflateRawSync } from 'node:zlib';
import type { CsvRecord } from './csv.js';

/**
 * A minimal .xlsx (Office Open XML) reader: the first worksheet's cell values as text, in the same
 * `{ line, cells }` records the CSV parser yields, so one table reader serves both. Enough for the
 * spreadsheets dataset authors ship (AIGCIQA2023's prompt list, PKU-I2IQA's annotations): shared,
 * inline and rich-text strings, numbers and booleans. Formulas yield their cached value; dates
 * their serial number. No ZIP64, no encryption (neither occurs in files of this size).
 */

function fail(file: string, message: string): never {
  throw invalidInput(`${file}: ${message}`, [{ path: file, message }]);
}

/** Reads the ZIP central directory and returns a function that extracts one entry by name. */
function openZip(bytes: Buffer, file: string): (name: string) => Buffer | undefined {
  if (bytes.length < 22 || bytes.readUInt32LE(0) !== 0x04034b50) {
    if (bytes.length >= 8 && bytes.readUInt32LE(0) === 0xe011cfd0) {
      fail(file, 'is a legacy .xls (binary) workbook; save it as .xlsx or export the sheet as CSV UTF-8');
    }
    fail(file, 'is not an .xlsx workbook (not a ZIP archive); export the sheet as CSV UTF-8');
  }
  // End of central directory: the last 0x06054b50 signature within the trailing 64 KiB comment window.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail(file, 'is a damaged ZIP archive (no central directory)');
  const count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const entries = new Map<string, { method: number; size: number; local: number }>();
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) fail(file, 'is a damaged ZIP archive (bad central directory entry)');
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    entries.set(bytes.toString('utf8', at + 46, at + 46 + nameLength), { method, size, local });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return (name) => {
    const entry = entries.get(name);
    if (!entry) return undefined;
    const { local } = entry;
    if (bytes.readUInt32LE(local) !== 0x04034b50) fail(file, `is a damaged ZIP archive (entry ${name})`);
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const raw = bytes.subarray(start, start + entry.size);
    if (entry.method === 0) return raw;
    if (entry.method === 8) return inflateRawSync(raw);
    fail(file, `uses ZIP compression method ${entry.method}, which is not supported; export the sheet as CSV UTF-8`);
  };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITIES[e],
  );
}

/** Text of a string item (`<si>` / `<is>`): all `<t>` runs, leaving out phonetic (`<rPh>`) runs. */
function stringItemText(xml: string): string {
  const withoutPhonetic = xml.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '');
  let text = '';
  for (const m of withoutPhonetic.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)) text += decodeXml(m[1]);
  return text;
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decodeXml(m[1]) : undefined;
}

/** `BC12` → 54 (0-based column of the letters). */
function columnIndex(ref: string): number {
  let column = 0;
  for (const ch of ref) {
    const code = ch.charCodeAt(0);
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  return column - 1;
}

/** Resolves a relationship target against the `xl/` folder (targets may be absolute: `/xl/…`). */
function resolveTarget(target: string): string {
  return target.startsWith('/') ? target.slice(1) : `xl/${target}`;
}

/**
 * The first worksheet of an .xlsx workbook as records: `line` is the spreadsheet row number,
 * cells are text (numbers as stored, booleans `TRUE`/`FALSE`), trailing empty cells dropped,
 * empty rows skipped.
 */
export function readXlsx(bytes: Buffer, file: string): CsvRecord[] {
  const entry = openZip(bytes, file);
  const text = (name: string) => entry(name)?.toString('utf8');

  const workbook = text('xl/workbook.xml');
  if (workbook === undefined) fail(file, 'has no xl/workbook.xml: not a spreadsheet workbook');
  const firstSheet = /<sheet\b[^>]*>/.exec(workbook)?.[0];
  if (!firstSheet) fail(file, 'has no worksheets');
  const relId = attribute(firstSheet, 'r:id');
  const rels = text('xl/_rels/workbook.xml.rels') ?? '';
  let sheetPath = 'xl/worksheets/sheet1.xml';
  for (const m of rels.matchAll(/<Relationship\b[^>]*>/g)) {
    if (attribute(m[0], 'Id') === relId) sheetPath = resolveTarget(attribute(m[0], 'Target') ?? '');
  }
  const sheet = text(sheetPath);
  if (sheet === undefined) fail(file, `is missing its first worksheet (${sheetPath})`);

  const shared: string[] = [];
  const sst = text('xl/sharedStrings.xml');
  if (sst !== undefined) for (const m of sst.matchAll(/<si>([\s\S]*?)<\/si>/g)) shared.push(stringItemText(m[1]));

  const records: CsvRecord[] = [];
  let nextRow = 1;
  for (const row of sheet.matchAll(/<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const line = Number(attribute(row[1], 'r') ?? nextRow);
    nextRow = line + 1;
    const cells: string[] = [];
    let nextColumn = 0;
    for (const c of (row[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const ref = attribute(c[1], 'r');
      const column = ref ? columnIndex(ref) : nextColumn;
      nextColumn = column + 1;
      const type = attribute(c[1], 't') ?? 'n';
      const body = c[2] ?? '';
      const v = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1];
      let value = '';
      if (type === 's') value = v === undefined ? '' : (shared[Number(v)] ?? '');
      else if (type === 'inlineStr') value = stringItemText(/<is>([\s\S]*?)<\/is>/.exec(body)?.[1] ?? '');
      else if (type === 'b') value = v === '1' ? 'TRUE' : v === '0' ? 'FALSE' : '';
      else value = v === undefined ? '' : decodeXml(v);
      while (cells.length < column) cells.push('');
      cells[column] = value;
    }
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0) records.push({ line, cells });
  }
  return records;
}
