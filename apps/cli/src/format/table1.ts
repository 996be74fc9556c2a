import { FUSION_NAMES, type Table1, type TableCell } from '@agiqa/contracts';
import { fixed4, signed4, textTable } from './text-table.js';

const FUSION_TITLES: Record<(typeof FUSION_NAMES)[number], string> = {
  concat: 'Concatenation',
  cosine: 'Cosine similarity',
  cross_attention: 'Cross-attention',
};

/**
 * Table 1 as the paper lays it out (text encoder × fusion, SRCC / PLCC): our measured figures
 * (mean ± std, n, Δ to the paper) first, then the paper's for the same rows, then the caption's
 * facts (setting, how it was chosen, PLCC variant) and the notes.
 */
export function renderTable1(table: Table1): string {
  const fusions = table.fusions.length > 0 ? table.fusions : [...FUSION_NAMES];
  const header = ['Text encoder', ...fusions.map((f) => `${FUSION_TITLES[f]} SRCC / PLCC`)];
  const measured = table.rows.map((row) => [row.textEncoder, ...fusions.map((fusion) => measuredCell(row.cells[fusion]))]);
  const lines = [`Table 1 — fusion × text encoder${table.dataset ? ` on ${table.dataset}` : ''} (measured, test split)`];
  if (table.selection.setting) lines.push(`setting ${table.selection.setting.id}: ${table.selection.setting.summary} (${selectionWords(table)})`);
  lines.push(measured.length > 0 ? textTable(header, measured) : '(no completed runs in this setting yet)');
  const cells = table.rows.flatMap((row) => Object.values(row.cells));
  if (cells.some((c) => c.optimistic)) lines.push('* best-on-test epoch selection: optimistic, selects on the test set');
  if (cells.some((c) => c.inProgress)) lines.push('° includes runs of a sweep still in progress');
  lines.push(`mean ± sample std over replicates; Δ = ours − paper; ${table.plcc === 'logistic' ? 'PLCC after the 4-parameter logistic fit' : 'PLCC raw'}`);
  if (table.reported.length > 0) {
    const reported = table.reported.map((row) => [
      row.textEncoder,
      ...fusions.map((fusion) => {
        const cell = row.cells[fusion];
        return cell ? `${fixed4(cell.srcc)} / ${fixed4(cell.plcc)}${cell.uncertain ? ' ?' : ''}` : null;
      }),
    ]);
    lines.push('', 'Reported by the paper (AGIQA-3K):', textTable(header, reported));
    if (table.reported.some((row) => Object.values(row.cells).some((cell) => cell?.uncertain))) {
      lines.push('? assignment uncertain in the paper’s garbled table');
    }
  }
  if (table.notes.length > 0) lines.push('', ...table.notes);
  return lines.join('\n');
}

/** `0.8842 ±0.0057 / 0.9165 ±0.0058 (n=3, Δ +0.0019 / −0.0008)` with its marks. */
function measuredCell(cell: TableCell | undefined): string | null {
  if (!cell) return null;
  const spread = (std: number | null) => (std === null ? '' : ` ±${fixed4(std)}`);
  const delta = cell.delta ? `, Δ ${signed4(cell.delta.srcc)} / ${signed4(cell.delta.plcc)}` : '';
  const marks = `${cell.optimistic ? ' *' : ''}${cell.inProgress ? ' °' : ''}`;
  return `${fixed4(cell.srcc)}${spread(cell.srccStd)} / ${fixed4(cell.plcc)}${spread(cell.plccStd)} (n=${cell.n}${delta})${marks}`;
}

/** How the table chose its setting, in a few words. */
export function selectionWords(table: Pick<Table1, 'selection'>): string {
  const { rule, sweep } = table.selection;
  if (rule === 'sweep' && sweep) return `sweep ${sweep.name ? `"${sweep.name}" ` : ''}${sweep.id}`;
  return { 'paper-protocol': "the paper's protocol", latest: "the latest run's setting: no run follows the paper's protocol", setting: 'as asked', sweep: 'one sweep' }[rule];
}
