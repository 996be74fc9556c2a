import type { Figure, SettingsComparison, SettingsList, Table2, Table3, TimingTable } from '@agiqa/contracts';
import { fixed4, signed4, textTable } from './text-table.js';

const FLAG_MARKS: Record<Figure['flags'][number], string> = { optimistic: '*', uncertain: '?', conflict: '!' };
const SOURCE_MARKS: Record<Figure['source'], string> = { measured: ' m', reported: '', published: ' p' };

/** `0.8813 / 0.9153`, measured figures with ± std, n and Δ; source and flag marks after. */
function figure(f: Figure | undefined): string | null {
  if (!f) return null;
  const marks = [...f.flags.map((flag) => FLAG_MARKS[flag]), ...(f.inProgress ? ['°'] : [])].join('');
  const spread = (std: number | null) => (std === null ? '' : ` ±${fixed4(std)}`);
  const extra = f.source === 'measured' ? ` (n=${f.n}${f.delta ? `, Δ ${signed4(f.delta.srcc)} / ${signed4(f.delta.plcc)}` : ''})` : '';
  return `${fixed4(f.srcc)}${spread(f.srccStd)} / ${fixed4(f.plcc)}${spread(f.plccStd)}${extra}${SOURCE_MARKS[f.source]}${marks ? ` ${marks}` : ''}`;
}

const LEGEND =
  'm measured here (mean ± std over n replicates, Δ = ours − paper); p published by another paper (reported only); others as reported by the paper. * optimistic (best-on-test), ? assignment uncertain, ! the paper contradicts itself, ° includes a sweep in progress';

/** Table 2 (methods × datasets, SRCC / PLCC) as text. */
export function renderTable2(table: Table2): string {
  const header = ['Method', 'Group', ...table.columns.map((c) => `${c.label}${c.dataset ? ` (${c.dataset})` : ''} SRCC / PLCC`)];
  const rows = table.rows.map((row) => [row.method, row.group, ...table.columns.map((c) => figure(row.cells[c.key]))]);
  return ['Table 2 — methods × datasets', textTable(header, rows), LEGEND, table.caption, ...table.notes].join('\n');
}

/** Table 3 (AGI-specific methods on AGIQA-3K) as text, other papers' rows with their citation. */
export function renderTable3(table: Table3): string {
  const rows = table.rows.map((row) => [row.method, figure(row.figure)]);
  const title = `Table 3 — AGI-specific methods on AGIQA-3K${table.dataset ? ` (measured on ${table.dataset})` : ''}`;
  const citations = table.rows.flatMap((r) => (r.citation ? [`${r.method}: ${r.citation.reference}${r.citation.url ? ` ${r.citation.url}` : ''}`] : []));
  return [title, textTable(['Method', 'SRCC / PLCC'], rows), LEGEND, table.caption, ...table.notes, ...citations].join('\n');
}

/** The timing comparison: ms per image by configuration, beside the paper's figure. */
export function renderTiming(table: TimingTable): string {
  const rows = table.rows.map((row) => [
    row.textEncoder,
    `${row.imageEncoder} + ${row.fusion}`,
    row.batchSize,
    row.host,
    row.backend,
    row.totalMsPerImage === null ? null : `${row.totalMsPerImage.toFixed(2)}${row.inProgress ? ' °' : ''}`,
    row.paperMs,
  ]);
  const paper = Object.entries(table.paper.msPerImage).map(([encoder, ms]) => `${encoder} ${ms} ms`).join(', ');
  return [
    'Inference time per image (median, ms)',
    rows.length > 0 ? textTable(['Text encoder', 'Configuration', 'Batch', 'Machine', 'Backend', 'Ours', 'Paper'], rows) : '(no timing measured yet: run a sweep whose grid has `timing`)',
    `Paper: ${paper} — ${table.paper.caption}`,
    ...table.notes,
  ].join('\n');
}

/** The settings with completed runs, for `--setting`. */
export function renderSettings(list: SettingsList): string {
  if (list.settings.length === 0) return `(no completed runs${list.dataset ? ` on ${list.dataset}` : ''} yet)`;
  const rows = list.settings.map((s) => [
    `${s.id}${s.paperProtocol ? ' (paper)' : ''}`,
    s.replicates,
    s.datasets.join(', '),
    s.sweeps.map((w) => w.name ?? w.id.slice(0, 8)).join(', '),
    s.summary,
  ]);
  return [`Settings with completed runs${list.dataset ? ` on ${list.dataset}` : ''}`, textTable(['Setting', 'Replicates', 'Datasets', 'Sweeps', 'Summary'], rows)].join('\n');
}

/** Two settings compared cell by cell over matched replicates. */
export function renderComparison(c: SettingsComparison): string {
  const p = (value: number | undefined) => (value === undefined ? null : value < 1e-4 ? value.toExponential(2) : value.toFixed(4));
  const rows = c.comparisons.map((row) => [
    row.method === 'fusion-head' ? `${row.textEncoder} / ${row.fusion}` : row.method,
    row.n,
    fixed4(row.meanA),
    fixed4(row.meanB),
    signed4(row.meanDiff),
    p(row.pairedT?.p),
    p(row.pairedT?.pHolm),
    p(row.wilcoxon?.p),
    p(row.wilcoxon?.pHolm),
  ]);
  return [
    `${c.metric.toUpperCase()} on ${c.dataset}: b − a over matched replicates`,
    `a: ${c.a.setting.id} ${c.a.sweep ? `(sweep ${c.a.sweep.id}) ` : ''}— ${c.a.setting.summary}`,
    `b: ${c.b.setting.id} ${c.b.sweep ? `(sweep ${c.b.sweep.id}) ` : ''}— ${c.b.setting.summary}`,
    textTable(['Cell', 'Pairs', 'Mean a', 'Mean b', 'b − a', 't p', 't p (Holm)', 'Wilcoxon p', 'Wilcoxon p (Holm)'], rows),
    ...c.comparisons.flatMap((row) => (row.note ? [`${row.method === 'fusion-head' ? `${row.textEncoder} / ${row.fusion}` : row.method}: ${row.note}`] : [])),
    ...c.notes,
  ].join('\n');
}
