import type { Figure, Table2, Table3, TimingTable } from '@agiqa/contracts';
import { fixed4, textTable } from './text-table.js';

const FLAG_MARKS: Record<Figure['flags'][number], string> = { optimistic: '*', uncertain: '?', conflict: '!' };

/** `0.8813 / 0.9153` with its source (measured figures carry `m`) and flag marks. */
function figure(f: Figure | undefined): string | null {
  if (!f) return null;
  const marks = f.flags.map((flag) => FLAG_MARKS[flag]).join('');
  return `${fixed4(f.srcc)} / ${fixed4(f.plcc)}${f.source === 'measured' ? ' m' : ''}${marks ? ` ${marks}` : ''}`;
}

const LEGEND = 'm measured here (mean over runs); others as reported by the paper. * optimistic (best-on-test), ? assignment uncertain, ! the paper contradicts itself';

/** Table 2 (methods × datasets, SRCC / PLCC) as text. */
export function renderTable2(table: Table2): string {
  const header = ['Method', 'Group', ...table.columns.map((c) => `${c.label}${c.dataset ? ` (${c.dataset})` : ''} SRCC / PLCC`)];
  const rows = table.rows.map((row) => [row.method, row.group, ...table.columns.map((c) => figure(row.cells[c.key]))]);
  return ['Table 2 — methods × datasets', textTable(header, rows), LEGEND, table.rule].join('\n');
}

/** Table 3 (AGI-specific methods on AGIQA-3K) as text. */
export function renderTable3(table: Table3): string {
  const rows = table.rows.map((row) => [row.method, figure(row.figure)]);
  const title = `Table 3 — AGI-specific methods on AGIQA-3K${table.dataset ? ` (measured on ${table.dataset})` : ''}`;
  return [title, textTable(['Method', 'SRCC / PLCC'], rows), LEGEND, table.rule].join('\n');
}

/** The timing comparison: ms per image by configuration, beside the paper's figure. */
export function renderTiming(table: TimingTable): string {
  const rows = table.rows.map((row) => [
    row.textEncoder,
    `${row.imageEncoder} + ${row.fusion}`,
    row.batchSize,
    row.host,
    row.backend,
    row.totalMsPerImage === null ? null : row.totalMsPerImage.toFixed(2),
    row.paperMs,
  ]);
  const paper = Object.entries(table.paper.msPerImage).map(([encoder, ms]) => `${encoder} ${ms} ms`).join(', ');
  return [
    'Inference time per image (median, ms)',
    rows.length > 0 ? textTable(['Text encoder', 'Configuration', 'Batch', 'Machine', 'Backend', 'Ours', 'Paper'], rows) : '(no timing measured yet: run a sweep whose grid has `timing`)',
    `Paper: ${paper} — ${table.paper.caption}`,
  ].join('\n');
}
