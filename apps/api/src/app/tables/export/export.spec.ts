import { PaperTablesQuerySchema, Table1QuerySchema, type Table1, type Table2, type Table3, type TimingTable } from '@agiqa/contracts';
import { ProblemCollector, parseCsv } from '@agiqa/data';
import { getTable1, getTable2, getTable3, getTimingTable, type Db } from '@agiqa/db';
import { createTestDb, sweepWithResults } from '@agiqa/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataset } from '../../../testing/seed.js';
import { compileLatex, latexAvailable } from '../../../testing/latex.js';
import { exportTable, type TableKind } from './index.js';

/** One SRCC / PLCC figure as the JSON table states it, where an export must show it. */
interface Expected {
  row: string;
  column: string;
  srcc: number;
  srccStd: number | null;
  plcc: number;
  plccStd: number | null;
  n: number | null;
  delta: { srcc: number; plcc: number } | null;
}

const DATASET = 'a3k_v2 & co%#$';
const tables: Partial<Record<TableKind, Table1 | Table2 | Table3 | TimingTable>> = {};

describe('table exports', () => {
  let db: Db;

  beforeAll(async () => {
    db = await createTestDb();
    await seedDataset(db.prisma, DATASET);
    const grid = { encoders: ['bert-base' as const, 'tiny-bert' as const], fusions: ['concat' as const, 'cross_attention' as const], datasets: [DATASET], seeds: [0, 1, 2] };
    const { sweep } = await sweepWithResults(db.prisma, { ...grid, name: 'ablation 数据_1 ~^' }, {
      [`${DATASET}/bert-base/cross_attention/r0/s0`]: [0.8831, 0.9102],
      [`${DATASET}/bert-base/cross_attention/r0/s1`]: [0.8792, 0.9215],
      [`${DATASET}/bert-base/cross_attention/r0/s2`]: [0.8904, 0.9177],
      [`${DATASET}/bert-base/concat/r0/s0`]: { srcc: 0.8412, plcc: 0.8703, reportRule: 'best_on_test' },
      [`${DATASET}/tiny-bert/concat/r0/s0`]: [0.3117, 0.3402],
      [`${DATASET}/tiny-bert/concat/r0/s1`]: [0.2951, 0.3318],
    });
    await sweepWithResults(db.prisma, { ...grid, encoders: ['bert-base'], modelOverrides: { 'bert-base': '/models/my_bert~v2' }, seeds: [0] }, {
      [`${DATASET}/bert-base/concat/r0/s0`]: [0.8523, 0.8811],
    });
    await sweepWithResults(db.prisma, { ...grid, encoders: ['bert-base'], fusions: ['concat'], seeds: [0] }, { [`${DATASET}/bert-base/concat/r0/s0`]: [0.6612, 0.6804] }, {
      config: (config) => ({ ...config, method: 'clip-iqa' }),
    });
    await db.prisma.timingMeasurement.create({
      data: { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'cross_attention', stage: 'total', batchSize: 1, samples: 20, medianMs: 212.5, p90Ms: 230, backend: 'onnxruntime-cpu+tfjs-wasm', machine: { hostname: 'gpu_box#1' } },
    });
    tables['1'] = await getTable1(db.prisma, Table1QuerySchema.parse({ dataset: DATASET, sweep: sweep.id }));
    tables['2'] = await getTable2(db.prisma, PaperTablesQuerySchema.parse({}));
    tables['3'] = await getTable3(db.prisma, PaperTablesQuerySchema.parse({ plcc: 'logistic' }));
    tables.timing = await getTimingTable(db.prisma);
  }, 60_000);

  afterAll(async () => {
    await db?.close();
  });

  const latex = latexAvailable();
  describe.skipIf(!latex.ok)(`LaTeX (${latex.reason})`, () => {
    it.each(['1', '2', '3', 'timing'] as const)('table %s compiles with pdflatex and booktabs', async (kind) => {
      const { body } = exportTable(kind, table(kind), 'latex');
      const result = await compileLatex(body);
      expect(result.log).toBe('');
      expect(result.ok).toBe(true);
    }, 60_000);
  });

  it('writes booktabs LaTeX with the caption, the best value per column in bold and the user text escaped', () => {
    const { body, contentType, fileName } = exportTable('1', table('1'), 'latex');
    expect(contentType).toContain('application/x-latex');
    expect(fileName).toBe('agiqa-table1.tex');
    expect(body).toMatch(/\\toprule[\s\S]*\\midrule[\s\S]*\\bottomrule/);
    expect(body).toContain('a3k\\_v2 \\& co\\%\\#\\$');
    expect(body).toContain('ablation [U+6570][U+636E]\\_1 \\textasciitilde{}\\textasciicircum{}');
    expect(body).toMatch(/\\caption\{Table 1: .*setting set\\_[0-9a-f]{12}.*chosen: sweep.*n = 1--3.*PLCC raw/);
    // Best SRCC of cross-attention in the measured block: bert-base's mean, bold; Δ small beside it.
    expect(body).toContain(`\\textbf{${mean([0.8831, 0.8792, 0.8904]).toFixed(4)}}$\\pm$`);
    expect(body).toContain('{\\scriptsize[n=3]}');
    expect(body).toContain("\\textbf{0.8823}"); // the paper's best cross-attention SRCC, bold in its own block
  });

  it.each(['1', '2', '3'] as const)('CSV of table %s gives back every figure at full precision', (kind) => {
    const { body, contentType } = exportTable(kind, table(kind), 'csv');
    expect(contentType).toContain('text/csv');
    const problems = new ProblemCollector();
    const [header, ...records] = parseCsv(body, 'table.csv', problems).map((r) => r.cells);
    expect(problems.count).toBe(0);
    const expected = figuresOf(kind, table(kind));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    for (const e of expected) {
      const record = records.find((r) => r[header.indexOf('row')] === e.row);
      expect(record, `${e.row}`).toBeDefined();
      const field = (name: string) => record?.[header.indexOf(`${e.column}_${name}`)] ?? '';
      const value = (name: string) => (field(name) === '' ? null : Number(field(name)));
      expect([value('srcc_mean'), value('srcc_std'), value('plcc_mean'), value('plcc_std'), value('n')], `${e.row}/${e.column}`).toEqual([e.srcc, e.srccStd, e.plcc, e.plccStd, e.n]);
      expect([value('delta_srcc'), value('delta_plcc')]).toEqual(e.delta ? [e.delta.srcc, e.delta.plcc] : [null, null]);
    }
  });

  it.each(['1', '2', '3'] as const)('Markdown of table %s gives back every figure at four decimals', (kind) => {
    const { body } = exportTable(kind, table(kind), 'md');
    const rows = markdownRows(body);
    for (const e of figuresOf(kind, table(kind))) {
      const row = rows.find((r) => r.label === e.row);
      expect(row, e.row).toBeDefined();
      const label = columnLabel(kind, e.column);
      const srcc = parseFigure(row?.cells[`${label} SRCC`] ?? '');
      const plcc = parseFigure(row?.cells[`${label} PLCC`] ?? '');
      expect(srcc, `${e.row}/${e.column}`).toEqual(rounded(e.srcc, e.srccStd, e.delta?.srcc));
      expect(plcc).toEqual(rounded(e.plcc, e.plccStd, e.delta?.plcc));
      expect(row?.cells[`${label} n`]).toBe(e.n === null ? '' : String(e.n));
    }
    expect(body).toContain('Bold: best value per column.');
  });

  it('exports the timing table with the fastest measured time in bold', () => {
    expect(exportTable('timing', table('timing'), 'md').body).toContain('**212.50**');
    expect(exportTable('timing', table('timing'), 'csv').body).toContain('212.5');
  });
});

function table<K extends TableKind>(kind: K): K extends '1' ? Table1 : K extends '2' ? Table2 : K extends '3' ? Table3 : TimingTable {
  const t = tables[kind];
  if (!t) throw new Error(`table ${kind} was not built`);
  return t as never;
}

/** Every figure of a table as its JSON states it (independently of the export code). */
function figuresOf(kind: '1' | '2' | '3', t: Table1 | Table2 | Table3): Expected[] {
  if (kind === '1') {
    const t1 = t as Table1;
    const ours = t1.rows.flatMap((row) =>
      Object.entries(row.cells).map(([column, c]) => ({ row: row.textEncoder, column, srcc: c.srcc, srccStd: c.srccStd, plcc: c.plcc, plccStd: c.plccStd, n: c.n, delta: c.delta })),
    );
    // The paper's rows share labels with ours (bert-base …): check ours, whose rows come first.
    return ours;
  }
  if (kind === '2') {
    return (t as Table2).rows.flatMap((row) =>
      Object.entries(row.cells).map(([column, f]) => ({ row: row.method, column, srcc: f.srcc, srccStd: f.srccStd, plcc: f.plcc, plccStd: f.plccStd, n: f.source === 'measured' ? f.n : null, delta: f.delta })),
    );
  }
  return (t as Table3).rows.map((r) => ({ row: r.method, column: 'agiqa3k', srcc: r.figure.srcc, srccStd: r.figure.srccStd, plcc: r.figure.plcc, plccStd: r.figure.plccStd, n: r.source === 'measured' ? r.figure.n : null, delta: r.figure.delta }));
}

function columnLabel(kind: '1' | '2' | '3', key: string): string {
  const labels: Record<string, string> = { concat: 'Concatenation', cosine: 'Cosine similarity', cross_attention: 'Cross-attention', agiqa3k: 'AGIQA-3K', aigciqa2023: 'AIGCIQA2023', pku_i2iqa: 'PKU-I2IQA' };
  return labels[key] ?? `${kind}:${key}`;
}

/** The body rows of the first Markdown table, cells keyed by header, labelled by their first non-section cell (marks stripped). */
function markdownRows(text: string): { label: string; cells: Record<string, string> }[] {
  const lines = text.split('\n').filter((l) => l.startsWith('|'));
  const split = (line: string) => line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
  const header = split(lines[0]);
  const first = header[0] === 'Section' ? 1 : 0;
  return lines.slice(2).map((line) => {
    const cells = split(line);
    return { label: cells[first].replace(/[†‡*?!°]+$/u, ''), cells: Object.fromEntries(header.map((h, i) => [h, cells[i]])) };
  });
}

/** `**0.8842** ± 0.0056 (Δ +0.0019)†` → its numbers. */
function parseFigure(text: string): { mean: number; std: number | null; delta: number | null } | null {
  const match = /^(?:\*\*)?(\d+\.\d{4})(?:\*\*)?(?: ± (\d+\.\d{4}))?(?: \(Δ ([+−])(\d+\.\d{4})\))?[†‡*?!°]*$/u.exec(text);
  if (!match) return null;
  const delta = match[3] === undefined ? null : (match[3] === '−' ? -1 : 1) * Number(match[4]);
  return { mean: Number(match[1]), std: match[2] === undefined ? null : Number(match[2]), delta };
}

function rounded(mean: number, std: number | null, delta: number | undefined): { mean: number; std: number | null; delta: number | null } {
  const four = (v: number) => Number(v.toFixed(4));
  return { mean: four(mean), std: std === null ? null : four(std), delta: delta === undefined ? null : Math.abs(four(delta)) === 0 ? 0 : four(delta) };
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
