import type { ProblemCollector } from '../validate/problems.js';

/** One CSV record and the 1-based line it starts on (records can span lines inside quotes). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * Parses CSV text as RFC 4180 describes it, plus what real exports add: a UTF-8 BOM, CRLF / LF /
 * CR line ends, blank lines (skipped). Quoted fields may hold commas, `""` quotes and newlines.
 * Structural faults (an unterminated quote, text after a closing quote) are added to `problems`
 * with their line; the records read up to the fault are still returned.
 */
export function parseCsv(text: string, file: string, problems: ProblemCollector): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let recordLine = 1;
  let cells: string[] = [];
  let cell = '';
  const n = text.length;

  const endRecord = () => {
    cells.push(cell);
    // A blank line is one empty field: not a record.
    if (!(cells.length === 1 && cells[0] === '')) records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
  };

  while (i < n) {
    const ch = text[i];
    if (ch === '"' && cell === '') {
      // Quoted field: read to the closing quote; `""` is a literal quote.
      const openedAt = line;
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        cell += c;
        i++;
      }
      if (!closed) {
        problems.add({ file, line: openedAt }, 'unterminated quoted field (a `"` opened here is never closed)');
        return records;
      }
      if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        problems.add({ file, line }, `unexpected text after a closing quote: ${JSON.stringify(text.slice(i, i + 10))}`);
        // Skip to the end of this record so later records are still checked.
        while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
      }
      continue;
    }
    if (ch === ',') {
      cells.push(cell);
      cell = '';
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    cell += ch;
    i++;
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return records;
}

/**
 * A CSV file with a header row: cells are looked up by column name, and every record must have
 * as many cells as the header (a shorter or longer record is a problem naming its line).
 */
export class CsvTable {
  readonly header: string[];
  readonly records: CsvRecord[];
  private readonly index = new Map<string, number>();

  constructor(
    readonly file: string,
    records: CsvRecord[],
    problems: ProblemCollector,
  ) {
    const [head, ...rest] = records;
    this.header = head ? head.cells.map((name) => name.trim()) : [];
    this.header.forEach((name, column) => {
      if (!this.index.has(name)) this.index.set(name, column);
    });
    this.records = [];
    for (const record of rest) {
      if (record.cells.length !== this.header.length) {
        problems.add(
          { file, line: record.line },
          `has ${record.cells.length} fields, the header has ${this.header.length} (a prompt with a comma must be quoted)`,
        );
        continue;
      }
      this.records.push(record);
    }
  }

  has(column: string): boolean {
    return this.index.has(column);
  }

  /** The cell of `column` in `record`; '' when the table has no such column. */
  get(record: CsvRecord, column: string): string {
    const at = this.index.get(column);
    return at === undefined ? '' : record.cells[at];
  }
}

/** Quotes a cell when RFC 4180 requires it (comma, quote, CR or LF inside). */
export function formatCsvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line (without the line end). */
export function formatCsvRow(cells: readonly string[]): string {
  return cells.map(formatCsvCell).join(',');
}
