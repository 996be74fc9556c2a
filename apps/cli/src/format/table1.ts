import { FUSION_NAMES, PAPER_ENCODER_KEY, TEXT_ENCODER_NAMES, type Table1, type Table1Setting, type TextEncoderName } from '@agiqa/contracts';
import { fixed4, textTable } from './text-table.js';

const FUSION_TITLES: Record<(typeof FUSION_NAMES)[number], string> = {
  concat: 'Concatenation',
  cosine: 'Cosine similarity',
  cross_attention: 'Cross-attention',
};

/**
 * Table 1 as the paper lays it out (text encoder × fusion, SRCC / PLCC), our measured figures
 * first, then the paper's reported ones for the same rows where it has them.
 */
export function renderTable1(table: Table1): string {
  const fusions = table.fusions.length > 0 ? table.fusions : [...FUSION_NAMES];
  const header = ['Text encoder', ...fusions.map((f) => `${FUSION_TITLES[f]} SRCC / PLCC`)];
  let optimistic = false;
  const measured = table.rows.map((row) => [
    row.textEncoder,
    ...fusions.map((fusion) => {
      const cell = row.cells[fusion];
      if (!cell) return null;
      optimistic ||= cell.optimistic;
      const spread = cell.runs > 1 ? ` ±${cell.srccStd.toFixed(4)} (n=${cell.runs})` : '';
      return `${fixed4(cell.srcc)} / ${fixed4(cell.plcc)}${spread}${cell.optimistic ? ' *' : ''}`;
    }),
  ]);
  const lines = [`Table 1 — fusion × text encoder${table.dataset ? ` on ${table.dataset}` : ''} (measured, test split)`];
  if (table.setting) lines.push(`setting: ${describeSetting(table.setting)}`);
  lines.push(measured.length > 0 ? textTable(header, measured) : '(no completed runs yet)');
  if (table.otherSettings > 0) {
    lines.push(`${table.otherSettings} other setting(s) have completed runs on this dataset: show one with --sweep <id>`);
  }
  if (optimistic) lines.push('* best-on-test epoch selection: optimistic, selects on the test set');
  const fixtures = table.rows.map((row) => row.textEncoder).filter(isRandomFixture);
  if (fixtures.length > 0) {
    lines.push(`${fixtures.join(', ')}: randomly initialised fixture encoders (offline demo and tests), not comparable with the paper`);
  }
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
  return lines.join('\n');
}

/** Tiny fixture encoders are the names the paper has no row for. */
function isRandomFixture(name: string): boolean {
  return (TEXT_ENCODER_NAMES as readonly string[]).includes(name) && PAPER_ENCODER_KEY[name as TextEncoderName] === null;
}

/** One line with what the runs of the table share. */
function describeSetting(setting: Table1Setting): string {
  const split = `${setting.split.unit} split ${setting.split.train}${setting.split.val > 0 ? `/${setting.split.val}` : ''}`;
  return `${setting.imageEncoder}, label ${setting.label}, ${setting.epochs} epochs, lr ${setting.learningRate}, batch ${setting.batchSize}, ${split}, report ${setting.reportRule}, ${setting.trainingMode}`;
}
