import type { SettingsComparison, SettingsList } from '@agiqa/contracts';
import { formatNumber, formatSigned, MISSING } from './format.js';

/** An option of a picker: `value` '' is "the API's default". */
export interface PickerOption {
  value: string;
  label: string;
}

/**
 * The setting picker: the default first (what the table shows without asking), then every setting
 * with completed runs, the paper's protocol marked, each with its replicate count.
 */
export function settingOptions(list: SettingsList, defaultLabel: string): PickerOption[] {
  return [
    { value: '', label: defaultLabel },
    ...list.settings.map((s) => ({
      value: s.id,
      label: `${s.paperProtocol ? "Paper's protocol — " : ''}${s.summary} (${s.replicates} replicate${s.replicates === 1 ? '' : 's'}${s.inProgress ? ', in progress' : ''})`,
    })),
  ];
}

/**
 * The sweep picker: "all sweeps" first, then the sweeps of the picked setting (every sweep when no
 * setting is picked), newest settings first as the API lists them; a sweep shows by its name.
 */
export function sweepOptions(list: SettingsList, settingId: string | null): PickerOption[] {
  const settings = settingId ? list.settings.filter((s) => s.id === settingId) : list.settings;
  const seen = new Set<string>();
  const sweeps = settings.flatMap((s) =>
    s.sweeps.flatMap((w) => {
      if (seen.has(w.id)) return [];
      seen.add(w.id);
      return [{ value: w.id, label: `${w.name ?? w.id.slice(0, 8)} (${w.status}, ${w.replicates} replicate${w.replicates === 1 ? '' : 's'})` }];
    }),
  );
  return [{ value: '', label: settingId ? 'all sweeps of this setting' : 'all sweeps' }, ...sweeps];
}

/** One row of a settings comparison, ready to print. */
export interface ComparisonRowView {
  cell: string;
  pairs: string;
  meanA: string;
  meanB: string;
  diff: string;
  t: string;
  wilcoxon: string;
  note: string | null;
  /** The Holm-adjusted p of either test is below 0.05. */
  significant: boolean;
}

/** The comparison table: per cell, pairs, means, b − a, and each test's p with its Holm-adjusted p. */
export function comparisonRows(comparison: SettingsComparison): ComparisonRowView[] {
  const p = (raw: number | undefined, holm: number | undefined) => (raw === undefined || holm === undefined ? MISSING : `${formatP(raw)} (Holm ${formatP(holm)})`);
  return comparison.comparisons.map((c) => ({
    cell: c.method === 'fusion-head' ? `${c.textEncoder ?? '?'} + ${c.fusion ?? '?'}` : c.method,
    pairs: `${c.n}${c.unmatchedA + c.unmatchedB > 0 ? ` (+${c.unmatchedA} / +${c.unmatchedB} unmatched)` : ''}`,
    meanA: formatNumber(c.meanA),
    meanB: formatNumber(c.meanB),
    diff: formatSigned(c.meanDiff),
    t: p(c.pairedT?.p, c.pairedT?.pHolm),
    wilcoxon: p(c.wilcoxon?.p, c.wilcoxon?.pHolm),
    note: c.note,
    significant: (c.pairedT?.pHolm ?? 1) < 0.05 || (c.wilcoxon?.pHolm ?? 1) < 0.05,
  }));
}

/** A p-value at four decimals, small ones in scientific notation. */
export function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** The file a download saves: `agiqa-table1.tex`, `agiqa-table2.csv`, `agiqa-timing.md`. */
export function exportFileName(table: '1' | '2' | '3' | 'timing', format: 'latex' | 'csv' | 'md'): string {
  const extension = { latex: 'tex', csv: 'csv', md: 'md' }[format];
  return `agiqa-${table === 'timing' ? 'timing' : `table${table}`}.${extension}`;
}
