import { FUSION_NAMES, type FusionName, type Selection, type Table1, type TableCell } from '@agiqa/contracts';
import { finiteOrNull, formatMeanStd, formatNumber, formatSigned } from './format.js';
import { encoderLabel, fusionLabel, isFusionName, isTinyEncoder, TABLE1_ROW_ORDER, toEncoderName } from './labels.js';

export type Metric = 'srcc' | 'plcc';

/** Our figure for one (encoder, fusion), ready to print. */
export interface OurCellView {
  srcc: string;
  plcc: string;
  srccValue: number | null;
  plccValue: number | null;
  /** Replicates aggregated. */
  n: number;
  /** Ours − paper (`+0.0019 / −0.0008`), or null where the paper has no figure for the cell. */
  delta: string | null;
  /** Some run used `best-on-test`: the figure selects on the test set and is optimistic. */
  optimistic: boolean;
  /** Some replicate comes from a sweep still in progress. */
  inProgress: boolean;
}

/** The paper's figure for one (encoder, fusion), ready to print. */
export interface ReportedCellView {
  srcc: string;
  plcc: string;
  srccValue: number | null;
  plccValue: number | null;
  /** The paper's extracted table is garbled here: which value belongs to which cell is a guess. */
  uncertain: boolean;
}

export interface Table1CellView {
  fusion: FusionName;
  ours: OurCellView | null;
  reported: ReportedCellView | null;
}

export interface Table1RowView {
  /** Encoder name as the API sent it. */
  textEncoder: string;
  label: string;
  /** A random tiny fixture: never comparable to the paper, no reported figures beside it. */
  tiny: boolean;
  cells: Table1CellView[];
}

export interface Table1View {
  dataset: string | null;
  fusions: { key: FusionName; label: string }[];
  rows: Table1RowView[];
  /** Whether any of our cells is optimistic / any reported cell uncertain (to show the legend). */
  anyOptimistic: boolean;
  anyInProgress: boolean;
  anyUncertain: boolean;
  anyTiny: boolean;
  /** Whether any of our cells has a figure (else the view says no completed runs yet). */
  hasResults: boolean;
}

/** z values, axis labels and cell texts of a heatmap; `null` z is drawn as a gap. */
export interface HeatmapMatrix {
  x: string[];
  y: string[];
  z: (number | null)[][];
  text: string[][];
}

function rowRank(name: string): number {
  const known = toEncoderName(name);
  const i = known === null ? -1 : TABLE1_ROW_ORDER.indexOf(known);
  return i === -1 ? TABLE1_ROW_ORDER.length : i;
}

function ourCell(cell: TableCell | undefined): OurCellView | null {
  if (!cell) return null;
  const n = finiteOrNull(cell.n) ?? 0;
  return {
    srcc: formatMeanStd(cell.srcc, cell.srccStd, n),
    plcc: formatMeanStd(cell.plcc, cell.plccStd, n),
    srccValue: finiteOrNull(cell.srcc),
    plccValue: finiteOrNull(cell.plcc),
    n,
    delta: cell.delta ? `${formatSigned(cell.delta.srcc)} / ${formatSigned(cell.delta.plcc)}` : null,
    optimistic: cell.optimistic === true,
    inProgress: cell.inProgress === true,
  };
}

function reportedCell(cell: { srcc: number; plcc: number; uncertain?: boolean } | undefined): ReportedCellView | null {
  if (!cell) return null;
  return {
    srcc: formatNumber(cell.srcc),
    plcc: formatNumber(cell.plcc),
    srccValue: finiteOrNull(cell.srcc),
    plccValue: finiteOrNull(cell.plcc),
    uncertain: cell.uncertain === true,
  };
}

/**
 * Joins our rows with the paper's: every paper row is shown (with "—" where we have no runs yet),
 * tiny fixtures get no reported figures, rows follow the paper's order.
 */
export function table1View(table: Table1): Table1View {
  const fusions = (table.fusions?.length ? table.fusions : [...FUSION_NAMES]).filter(isFusionName);
  const ours = new Map<string, Table1['rows'][number]>();
  for (const row of table.rows ?? []) ours.set(toEncoderName(row.textEncoder) ?? row.textEncoder, row);
  const reported = new Map<string, Table1['reported'][number]>();
  for (const row of table.reported ?? []) reported.set(toEncoderName(row.textEncoder) ?? row.textEncoder, row);

  const names = [...new Set([...ours.keys(), ...reported.keys()])].sort((a, b) => rowRank(a) - rowRank(b));
  const rows: Table1RowView[] = names.map((name) => {
    const tiny = isTinyEncoder(name);
    const ourRow = ours.get(name);
    const reportedRow = tiny ? undefined : reported.get(name);
    return {
      textEncoder: ourRow?.textEncoder ?? name,
      label: encoderLabel(name),
      tiny,
      cells: fusions.map((fusion) => ({
        fusion,
        ours: ourCell(ourRow?.cells[fusion]),
        reported: reportedCell(reportedRow?.cells[fusion]),
      })),
    };
  });

  const cells = rows.flatMap((r) => r.cells);
  return {
    dataset: table.dataset ?? null,
    fusions: fusions.map((key) => ({ key, label: fusionLabel(key) })),
    rows,
    anyOptimistic: cells.some((c) => c.ours?.optimistic),
    anyInProgress: cells.some((c) => c.ours?.inProgress),
    anyUncertain: cells.some((c) => c.reported?.uncertain),
    anyTiny: rows.some((r) => r.tiny && r.cells.some((c) => c.ours !== null)),
    hasResults: cells.some((c) => c.ours !== null),
  };
}

/**
 * Heatmap of one metric over encoder × fusion, either our figures or the paper's. Rows are listed
 * bottom-up by plotly, so `y` is reversed to read like the table. Cell text carries the flags
 * (`*` optimistic, `?` uncertain) so that they survive in the picture.
 */
export function table1Heatmap(view: Table1View, metric: Metric, source: 'ours' | 'reported'): HeatmapMatrix {
  const rows = [...view.rows].filter((r) => source === 'ours' || !r.tiny).reverse();
  const x = view.fusions.map((f) => f.label);
  const y = rows.map((r) => r.label);
  const z = rows.map((r) =>
    r.cells.map((c) => {
      const cell = source === 'ours' ? c.ours : c.reported;
      return cell ? (metric === 'srcc' ? cell.srccValue : cell.plccValue) : null;
    }),
  );
  const text = rows.map((r) =>
    r.cells.map((c) => {
      if (source === 'ours') {
        const v = formatNumber(c.ours ? (metric === 'srcc' ? c.ours.srccValue : c.ours.plccValue) : null);
        return c.ours?.optimistic ? `${v}*` : v;
      }
      const v = formatNumber(c.reported ? (metric === 'srcc' ? c.reported.srccValue : c.reported.plccValue) : null);
      return c.reported?.uncertain ? `${v}?` : v;
    }),
  );
  return { x, y, z, text };
}

/** A shared colour range for two heatmaps so that equal colours mean equal figures; null if empty. */
export function sharedRange(...matrices: HeatmapMatrix[]): { min: number; max: number } | null {
  const values = matrices.flatMap((m) => m.z.flat()).filter((v): v is number => v !== null);
  if (values.length === 0) return null;
  const min = Math.min(...values);
  const max = Math.max(...values);
  // A single value would give plotly an empty range; widen it slightly.
  return min === max ? { min: min - 0.01, max: max + 0.01 } : { min, max };
}

const RULE_WORDS: Record<Selection['rule'], string> = {
  'paper-protocol': "the paper's protocol (the default grid)",
  latest: "the latest completed run's setting, because no run follows the paper's protocol here",
  setting: 'the setting picked',
  sweep: 'one sweep',
};

/**
 * One line saying which setting a table's measured figures come from and why (or that none is
 * shown), and how many other settings there are to pick from.
 */
export function selectionLine(selection: Selection): string {
  const others = selection.otherSettings > 0 ? ` ${selection.otherSettings} other setting(s) have completed runs here: pick one above.` : '';
  if (!selection.setting) return `No measured setting shown: nothing follows ${RULE_WORDS[selection.rule]} here.${others}`;
  const sweep = selection.sweep ? `sweep ${selection.sweep.name ?? selection.sweep.id}` : RULE_WORDS[selection.rule];
  return `Setting ${selection.setting.id} (${sweep}): ${selection.setting.summary}.${others}`;
}
