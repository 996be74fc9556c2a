import { formatCsvRow } from '@agiqa/data';
import { MARKS, type DocCell, type TableDocument } from './document.js';

/*
 * CSV (RFC 4180, CRLF line ends) for spreadsheets and scripts: one line per table row, numbers at
 * full precision (JavaScript's shortest round-trip form, so parsing gives back the very doubles
 * the API computed), each figure column spread into mean, std, n and Δ of SRCC and PLCC. Empty
 * fields are missing values. The caption and notes are not data; they are in every other format.
 */

export function renderCsv(doc: TableDocument): string {
  const header = ['section', 'row', 'source', 'marks'];
  for (const c of doc.columns) {
    if (c.kind === 'figure') {
      header.push(...['srcc_mean', 'srcc_std', 'plcc_mean', 'plcc_std', 'n', 'delta_srcc', 'delta_plcc', 'marks'].map((field) => `${c.key}_${field}`));
    } else {
      header.push(c.key);
    }
  }
  const lines = [header];
  for (const section of doc.sections) {
    for (const row of section.rows) {
      const fields = [section.title ?? '', row.label, row.source, row.marks.map((m) => MARKS[m].symbol).join('')];
      for (const c of doc.columns) fields.push(...cellFields(row.cells[c.key], c.kind));
      lines.push(fields);
    }
  }
  return lines.map(formatCsvRow).join('\r\n') + '\r\n';
}

function cellFields(cell: DocCell | undefined, kind: 'text' | 'figure' | 'number'): string[] {
  if (kind === 'figure') {
    if (cell?.kind !== 'figure') return ['', '', '', '', '', '', '', ''];
    return [
      num(cell.srcc),
      num(cell.srccStd),
      num(cell.plcc),
      num(cell.plccStd),
      num(cell.n),
      num(cell.delta?.srcc ?? null),
      num(cell.delta?.plcc ?? null),
      cell.marks.map((m) => MARKS[m].symbol).join(''),
    ];
  }
  if (cell?.kind === 'text') return [cell.text];
  if (cell?.kind === 'number') return [num(cell.value)];
  return [''];
}

function num(value: number | null): string {
  return value === null ? '' : String(value);
}
