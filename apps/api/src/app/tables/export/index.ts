import type { Table1, Table2, Table3, TableFormat, TimingTable } from '@agiqa/contracts';
import { renderCsv } from './csv.js';
import { table1Document, table2Document, table3Document, timingDocument, type TableDocument } from './document.js';
import { renderLatex } from './latex.js';
import { renderMarkdown } from './markdown.js';

export type TableKind = '1' | '2' | '3' | 'timing';
type AnyTable = Table1 | Table2 | Table3 | TimingTable;

const DOCUMENTS: Record<TableKind, (table: AnyTable) => TableDocument> = {
  '1': (t) => table1Document(t as Table1),
  '2': (t) => table2Document(t as Table2),
  '3': (t) => table3Document(t as Table3),
  timing: (t) => timingDocument(t as TimingTable),
};

const RENDERERS: Record<Exclude<TableFormat, 'json'>, { render: (doc: TableDocument) => string; contentType: string; extension: string }> = {
  latex: { render: renderLatex, contentType: 'application/x-latex; charset=utf-8', extension: 'tex' },
  csv: { render: renderCsv, contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  md: { render: renderMarkdown, contentType: 'text/markdown; charset=utf-8', extension: 'md' },
};

/** The media types of the text formats (without parameters), for the OpenAPI document. */
export const EXPORT_MEDIA_TYPES: readonly string[] = Object.values(RENDERERS).map((r) => r.contentType.split(';')[0]);

/** A table rendered in one of the text formats, with what an HTTP response needs to serve it. */
export interface ExportedTable {
  body: string;
  contentType: string;
  fileName: string;
}

export function exportTable(kind: TableKind, table: AnyTable, format: Exclude<TableFormat, 'json'>): ExportedTable {
  const doc = DOCUMENTS[kind](table);
  const renderer = RENDERERS[format];
  return { body: renderer.render(doc), contentType: renderer.contentType, fileName: `agiqa-${doc.name}.${renderer.extension}` };
}

export { table1Document, table2Document, table3Document, timingDocument, type TableDocument } from './document.js';
export { renderCsv } from './csv.js';
export { renderLatex } from './latex.js';
export { renderMarkdown } from './markdown.js';
