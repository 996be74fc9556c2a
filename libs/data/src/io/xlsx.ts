import { invalidInput } from '@agiqa/contracts';
import { DOMParser, onErrorStopParsing, type Document, type Element } from '@xmldom/xmldom';
import { unzipSync } from 'fflate';
import type { CsvRecord } from './csv.js';

/**
 * A small .xlsx (Office Open XML) reader: the first worksheet's cell values as text, in the same
 * `{ line, cells }` records the CSV parser yields, so one table reader serves both. Enough for the
 * spreadsheets dataset authors ship (AIGCIQA2023's prompt list, PKU-I2IQA's annotations): shared,
 * inline and rich-text strings, numbers and booleans. Formulas yield their cached value; dates
 * their serial number.
 *
 * The archive is read by fflate and every XML part by a real XML parser (@xmldom/xmldom), so any
 * schema-valid spelling reads the same: self-closing `<si/>` and `<c/>`, namespace prefixes
 * (`<x:si>`), CDATA, entities and character references. Why not a spreadsheet library: ExcelJS is
 * asynchronous, pulls a dozen dependencies and turns cells into typed objects (dates into Date
 * objects, rich text into run lists) where the loaders want the stored text; the npm `xlsx`
 * (SheetJS) package is no longer updated there.
 */

function fail(file: string, message: string): never {
  throw invalidInput(`${file}: ${message}`, [{ path: file, message }]);
}

/** The parts of the archive that the reader may need, by name; anything else is not inflated. */
function unzipParts(bytes: Buffer, file: string, wanted: (name: string) => boolean): Map<string, Uint8Array> {
  if (bytes.length < 22 || bytes.readUInt32LE(0) !== 0x04034b50) {
    if (bytes.length >= 8 && bytes.readUInt32LE(0) === 0xe011cfd0) {
      fail(file, 'is a legacy .xls (binary) workbook; save it as .xlsx or export the sheet as CSV UTF-8');
    }
    fail(file, 'is not an .xlsx workbook (not a ZIP archive); export the sheet as CSV UTF-8');
  }
  try {
    const parts = unzipSync(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { filter: (f) => wanted(f.name) });
    return new Map(Object.entries(parts));
  } catch (error) {
    fail(file, `is a damaged or unsupported ZIP archive (${(error as Error).message}); export the sheet as CSV UTF-8`);
  }
}

/** Parses one XML part; a part that is not well-formed fails naming the workbook and the part. */
function parseXml(parts: Map<string, Uint8Array>, name: string, file: string): Document | undefined {
  const bytes = parts.get(name);
  if (bytes === undefined) return undefined;
  try {
    return new DOMParser({ onError: onErrorStopParsing }).parseFromString(Buffer.from(bytes).toString('utf8'), 'application/xml');
  } catch (error) {
    fail(file, `${name} is not well-formed XML (${(error as Error).message.split('\n')[0]})`);
  }
}

/** Descendant elements with this local name, in document order, whatever their namespace prefix. */
function elements(root: Document | Element, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS('*', localName));
}

/** Child elements with this local name. */
function children(parent: Element, localName: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE && (node as Element).localName === localName) out.push(node as Element);
  }
  return out;
}

/** An attribute by local name (`r:id` → `id`), or undefined. */
function attribute(element: Element, localName: string): string | undefined {
  for (const attr of Array.from(element.attributes)) if (attr.localName === localName) return attr.value;
  return undefined;
}

/**
 * Text of a string item (`<si>` / `<is>`): its own `<t>`, or the `<t>` of each rich-text run
 * (`<r>`), in order. Phonetic runs (`<rPh>`) are annotations, not cell text.
 */
function stringItemText(item: Element | undefined): string {
  if (item === undefined) return '';
  let text = '';
  for (const t of children(item, 't')) text += t.textContent ?? '';
  for (const run of children(item, 'r')) for (const t of children(run, 't')) text += t.textContent ?? '';
  return text;
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

/** Path of the workbook's first sheet (in sheet order), through the workbook relationships. */
function firstSheetPath(parts: Map<string, Uint8Array>, file: string): string {
  const workbook = parseXml(parts, 'xl/workbook.xml', file);
  if (workbook === undefined) fail(file, 'has no xl/workbook.xml: not a spreadsheet workbook');
  const sheet = elements(workbook, 'sheet')[0];
  if (sheet === undefined) fail(file, 'has no worksheets');
  const relId = attribute(sheet, 'id');
  const rels = parseXml(parts, 'xl/_rels/workbook.xml.rels', file);
  const relation = rels ? elements(rels, 'Relationship').find((r) => attribute(r, 'Id') === relId) : undefined;
  const target = relation ? attribute(relation, 'Target') : undefined;
  return target ? resolveTarget(target) : 'xl/worksheets/sheet1.xml';
}

/** The value of one `<c>` cell as text. */
function cellText(cell: Element, shared: readonly string[]): string {
  const type = attribute(cell, 't') ?? 'n';
  const v = children(cell, 'v')[0]?.textContent ?? undefined;
  if (type === 's') return v === undefined ? '' : (shared[Number(v)] ?? '');
  if (type === 'inlineStr') return stringItemText(children(cell, 'is')[0]);
  if (type === 'b') return v === '1' ? 'TRUE' : v === '0' ? 'FALSE' : '';
  return v ?? '';
}

/**
 * The first worksheet of an .xlsx workbook as records: `line` is the spreadsheet row number,
 * cells are text (numbers as stored, booleans `TRUE`/`FALSE`), trailing empty cells dropped,
 * empty rows skipped.
 */
export function readXlsx(bytes: Buffer, file: string): CsvRecord[] {
  // Only the XML parts (workbook, relationships, sheets, strings) are inflated, never media.
  const parts = unzipParts(bytes, file, (name) => name.startsWith('xl/') && /\.(xml|rels)$/.test(name));
  const sheetPath = firstSheetPath(parts, file);
  const sheet = parseXml(parts, sheetPath, file);
  if (sheet === undefined) fail(file, `is missing its first worksheet (${sheetPath})`);
  const sst = parseXml(parts, 'xl/sharedStrings.xml', file);
  const shared = sst ? elements(sst, 'si').map((si) => stringItemText(si)) : [];

  const records: CsvRecord[] = [];
  let nextRow = 1;
  for (const row of elements(sheet, 'row')) {
    const line = Number(attribute(row, 'r') ?? nextRow);
    nextRow = line + 1;
    const cells: string[] = [];
    let nextColumn = 0;
    for (const c of children(row, 'c')) {
      const ref = attribute(c, 'r');
      const column = ref ? columnIndex(ref) : nextColumn;
      nextColumn = column + 1;
      while (cells.length < column) cells.push('');
      cells[column] = cellText(c, shared);
    }
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0) records.push({ line, cells });
  }
  return records;
}
