import {
  FUSION_NAMES,
  type Figure,
  type FigureFlag,
  type Table1,
  type Table2,
  type Table3,
  type TableCell,
  type TimingTable,
} from '@agiqa/contracts';

/*
 * Every table, whatever its shape, as one document the three export formats render: columns of
 * text, plain numbers or SRCC/PLCC figures, rows grouped in sections, and marks whose legend
 * travels with the table. LaTeX, CSV and Markdown differ only in syntax, so a figure cannot say
 * one thing in one format and another in the next.
 */

export type Source = 'measured' | 'reported' | 'published';

/** Mean ± sample std of SRCC and PLCC, n replicates (null: a reported figure), Δ to the paper. */
export interface DocFigure {
  kind: 'figure';
  srcc: number;
  srccStd: number | null;
  plcc: number;
  plccStd: number | null;
  n: number | null;
  delta: { srcc: number; plcc: number } | null;
  marks: Mark[];
}

export type DocCell = DocFigure | { kind: 'text'; text: string } | { kind: 'number'; value: number; digits: number } | null;

export interface DocColumn {
  key: string;
  label: string;
  kind: 'text' | 'figure' | 'number';
  /** Which value is best in a number column (bold); null: none is (a reference or a count). */
  best?: 'min' | 'max' | null;
}

export interface DocRow {
  label: string;
  source: Source;
  marks: Mark[];
  cells: Record<string, DocCell>;
}

export interface DocSection {
  title: string | null;
  rows: DocRow[];
}

export interface TableDocument {
  /** `table1`, `table2`, `table3`, `timing`: file names and LaTeX labels. */
  name: string;
  caption: string;
  columns: DocColumn[];
  sections: DocSection[];
  /** Best values are bold per column over the whole table, or within each section (ours vs the paper's). */
  boldWithin: 'table' | 'section';
  /** Every measured figure has the same n (said once in the caption), or null. */
  uniformN: number | null;
  notes: string[];
}

/** Marks on rows and figures, and what each means (the legend under every export). */
export const MARKS = {
  measured: { symbol: '†', meaning: 'measured on this platform: mean ± sample std over n replicates (seed × split repeat)' },
  published: { symbol: '‡', meaning: "another paper's published figure under its own protocol (reported only, see citation)" },
  optimistic: { symbol: '*', meaning: 'epoch selected on the test set (best-on-test): optimistic' },
  uncertain: { symbol: '?', meaning: "assignment uncertain in the paper's garbled table" },
  conflict: { symbol: '!', meaning: "the paper's text and its table disagree (table figure shown)" },
  inProgress: { symbol: '°', meaning: 'includes runs of a sweep still in progress' },
} as const;
export type Mark = keyof typeof MARKS;

const FUSION_LABELS: Record<(typeof FUSION_NAMES)[number], string> = { concat: 'Concatenation', cosine: 'Cosine similarity', cross_attention: 'Cross-attention' };

export function table1Document(table: Table1): TableDocument {
  const columns: DocColumn[] = [{ key: 'encoder', label: 'Text encoder', kind: 'text' }, ...table.fusions.map((f) => ({ key: f, label: FUSION_LABELS[f], kind: 'figure' as const }))];
  const measured: DocRow[] = table.rows.map((row) => ({
    label: row.textEncoder,
    source: 'measured',
    marks: ['measured'],
    cells: { encoder: text(row.textEncoder), ...Object.fromEntries(table.fusions.map((f) => [f, cellFigure(row.cells[f])])) },
  }));
  const paper: DocRow[] = table.reported.map((row) => ({
    label: row.textEncoder,
    source: 'reported',
    marks: [],
    cells: {
      encoder: text(row.textEncoder),
      ...Object.fromEntries(
        table.fusions.map((f) => {
          const cell = row.cells[f];
          return [f, cell ? reportedFigure(cell.srcc, cell.plcc, cell.uncertain ? ['uncertain'] : []) : null];
        }),
      ),
    },
  }));
  const sections: DocSection[] = [
    { title: `Measured${table.dataset ? ` on ${table.dataset}` : ''}`, rows: measured },
    { title: 'Reported by the paper (AGIQA-3K)', rows: paper },
  ].filter((s) => s.rows.length > 0);
  return finish('table1', table.caption, columns, sections, 'section', table.notes);
}

export function table2Document(table: Table2): TableDocument {
  const columns: DocColumn[] = [{ key: 'method', label: 'Method', kind: 'text' }, ...table.columns.map((c) => ({ key: c.key, label: c.label, kind: 'figure' as const }))];
  const titles = { traditional: 'Traditional', deep: 'Deep learning', clip: 'CLIP-based' } as const;
  const sections: DocSection[] = (['traditional', 'deep', 'clip'] as const).map((group) => ({
    title: titles[group],
    rows: table.rows
      .filter((r) => r.group === group)
      .map((r) => ({
        label: r.method,
        source: r.source,
        marks: sourceMarks(r.source),
        cells: { method: text(r.method), ...Object.fromEntries(table.columns.map((c) => [c.key, figureOf(r.cells[c.key])])) },
      })),
  }));
  return finish('table2', table.caption, columns, sections.filter((s) => s.rows.length > 0), 'table', table.notes);
}

export function table3Document(table: Table3): TableDocument {
  const columns: DocColumn[] = [
    { key: 'method', label: 'Method', kind: 'text' },
    { key: 'agiqa3k', label: 'AGIQA-3K', kind: 'figure' },
  ];
  const rows: DocRow[] = table.rows.map((r) => ({
    label: r.method,
    source: r.source,
    marks: sourceMarks(r.source),
    cells: { method: text(r.method), agiqa3k: figureOf(r.figure) },
  }));
  const citations = table.rows.flatMap((r) =>
    r.citation && r.protocol
      ? [`${r.method}: ${r.citation.reference}${r.citation.url ? ` ${r.citation.url}` : ''}. Protocol: split ${r.protocol.splitUnit}; repeats ${r.protocol.repeats}; epoch selection ${r.protocol.epochSelection}.`]
      : [],
  );
  return finish('table3', table.caption, columns, [{ title: null, rows }], 'table', [...table.notes, ...citations]);
}

export function timingDocument(table: TimingTable): TableDocument {
  const columns: DocColumn[] = [
    { key: 'encoder', label: 'Text encoder', kind: 'text' },
    { key: 'configuration', label: 'Configuration', kind: 'text' },
    { key: 'batch', label: 'Batch', kind: 'number', best: null },
    { key: 'machine', label: 'Machine', kind: 'text' },
    { key: 'backend', label: 'Backend', kind: 'text' },
    { key: 'ours_ms', label: 'Ours (ms/image)', kind: 'number', best: 'min' },
    { key: 'paper_ms', label: 'Paper (ms/image)', kind: 'number', best: null },
    { key: 'measurements', label: 'Measurements', kind: 'number', best: null },
  ];
  const rows: DocRow[] = table.rows.map((r) => ({
    label: `${r.textEncoder} ${r.imageEncoder} ${r.fusion} ${r.batchSize} ${r.host}`,
    source: 'measured',
    marks: r.inProgress ? ['inProgress'] : [],
    cells: {
      encoder: text(r.textEncoder),
      configuration: text(`${r.imageEncoder} + ${r.fusion}`),
      batch: { kind: 'number', value: r.batchSize, digits: 0 },
      machine: text(r.host),
      backend: text(r.backend),
      ours_ms: r.totalMsPerImage === null ? null : { kind: 'number', value: r.totalMsPerImage, digits: 2 },
      paper_ms: r.paperMs === null ? null : { kind: 'number', value: r.paperMs, digits: 0 },
      measurements: { kind: 'number', value: r.measurements, digits: 0 },
    },
  }));
  const notes = [...table.notes, `Paper: ${Object.entries(table.paper.msPerImage).map(([k, v]) => `${k} ${v} ms`).join(', ')} (${table.paper.caption}).`];
  return finish('timing', table.caption, columns, [{ title: null, rows }], 'table', notes);
}

function finish(name: string, caption: string, columns: DocColumn[], sections: DocSection[], boldWithin: TableDocument['boldWithin'], notes: string[]): TableDocument {
  const ns = sections.flatMap((s) => s.rows.flatMap((r) => Object.values(r.cells).flatMap((c) => (c?.kind === 'figure' && c.n !== null ? [c.n] : []))));
  const uniformN = ns.length > 0 && ns.every((n) => n === ns[0]) ? ns[0] : null;
  return { name, caption, columns, sections, boldWithin, uniformN, notes };
}

function text(value: string): DocCell {
  return { kind: 'text', text: value };
}

function sourceMarks(source: Source): Mark[] {
  return source === 'measured' ? ['measured'] : source === 'published' ? ['published'] : [];
}

function reportedFigure(srcc: number, plcc: number, marks: Mark[]): DocFigure {
  return { kind: 'figure', srcc, srccStd: null, plcc, plccStd: null, n: null, delta: null, marks };
}

function cellFigure(cell: TableCell | undefined): DocFigure | null {
  if (!cell) return null;
  const marks: Mark[] = [...(cell.optimistic ? (['optimistic'] as const) : []), ...(cell.inProgress ? (['inProgress'] as const) : [])];
  return { kind: 'figure', srcc: cell.srcc, srccStd: cell.srccStd, plcc: cell.plcc, plccStd: cell.plccStd, n: cell.n, delta: cell.delta, marks };
}

function figureOf(figure: Figure | undefined): DocFigure | null {
  if (!figure) return null;
  const marks: Mark[] = [...figure.flags.map((f: FigureFlag) => f as Mark), ...(figure.inProgress ? (['inProgress'] as const) : [])];
  return {
    kind: 'figure',
    srcc: figure.srcc,
    srccStd: figure.srccStd,
    plcc: figure.plcc,
    plccStd: figure.plccStd,
    n: figure.source === 'measured' ? figure.n : null,
    delta: figure.delta,
    marks,
  };
}

/** Which values are best, per (section or table, column, metric): the keys `section|column|metric` of bold cells' values. */
export function bestValues(doc: TableDocument): Map<string, number> {
  const best = new Map<string, number>();
  doc.sections.forEach((section, s) => {
    const scope = doc.boldWithin === 'section' ? String(s) : 'all';
    for (const row of section.rows) {
      for (const column of doc.columns) {
        const cell = row.cells[column.key];
        if (cell?.kind === 'figure') {
          for (const metric of ['srcc', 'plcc'] as const) {
            const key = `${scope}|${column.key}|${metric}`;
            best.set(key, Math.max(best.get(key) ?? -Infinity, cell[metric]));
          }
        } else if (cell?.kind === 'number' && column.best) {
          const key = `${scope}|${column.key}|value`;
          const pick = column.best === 'min' ? Math.min : Math.max;
          best.set(key, pick(best.get(key) ?? (column.best === 'min' ? Infinity : -Infinity), cell.value));
        }
      }
    }
  });
  return best;
}

/** Whether `value` is the best of its column (in its section or the table); compared at the printed precision. */
export function isBest(doc: TableDocument, best: Map<string, number>, sectionIndex: number, column: string, metric: 'srcc' | 'plcc' | 'value', value: number, digits: number): boolean {
  const scope = doc.boldWithin === 'section' ? String(sectionIndex) : 'all';
  const top = best.get(`${scope}|${column}|${metric}`);
  return top !== undefined && value.toFixed(digits) === top.toFixed(digits);
}

/** Legend lines for the marks that occur in the document, in `MARKS` order. */
export function legend(doc: TableDocument): { symbol: string; meaning: string }[] {
  const used = new Set<Mark>();
  for (const section of doc.sections) {
    for (const row of section.rows) {
      row.marks.forEach((m) => used.add(m));
      for (const cell of Object.values(row.cells)) if (cell?.kind === 'figure') cell.marks.forEach((m) => used.add(m));
    }
  }
  return (Object.keys(MARKS) as Mark[]).filter((m) => used.has(m)).map((m) => MARKS[m]);
}
