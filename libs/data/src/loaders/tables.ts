import path from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import { CsvTable, parseCsv, type CsvRecord } from '../io/csv.js';
import { readBytes, readUtf8 } from '../io/files.js';
import { readXlsx } from '../io/xlsx.js';
import type { ProblemCollector } from '../validate/problems.js';

/**
 * Reads a table file (`.csv`, or the first sheet of an `.xlsx`) into a `CsvTable`: one code path
 * for CSVs and the spreadsheets dataset authors ship. Unreadable files become problems naming the
 * file; the result is then undefined.
 */
export async function readTable(baseDir: string, rel: string, problems: ProblemCollector): Promise<CsvTable | undefined> {
  const ext = path.extname(rel).toLowerCase();
  let records: CsvRecord[];
  if (ext === '.xlsx' || ext === '.xls') {
    const bytes = await readBytes(baseDir, rel, problems);
    if (bytes === undefined) return undefined;
    try {
      records = readXlsx(bytes, rel);
    } catch (error) {
      reportFileError(error, rel, problems);
      return undefined;
    }
    // A sheet stores no trailing empty cells: pad rows to the header's width, as a CSV export would.
    const width = records[0]?.cells.length ?? 0;
    for (const record of records) while (record.cells.length < width) record.cells.push('');
  } else {
    const text = await readUtf8(baseDir, rel, problems);
    if (text === undefined) return undefined;
    records = parseCsv(text, rel, problems);
  }
  return new CsvTable(rel, records, problems);
}

/** Turns a reader's AgiqaError (`file: message`) into a problem at `file`; rethrows anything else. */
export function reportFileError(error: unknown, file: string, problems: ProblemCollector): void {
  if (!(error instanceof AgiqaError)) throw error;
  const message = error.details[0]?.message ?? error.message;
  problems.add({ file }, message);
}
