import type { Figure, FigureFlag, MethodRow, Table2, Table3, TimingTable } from '@agiqa/contracts';
import type { Data } from 'plotly.js-dist-min';
import { finiteOrNull, formatMeanStd, formatMs, formatNumber, formatSigned, MISSING } from './format.js';
import { encoderLabel, fusionLabel, isTinyEncoder, TABLE1_ROW_ORDER, toEncoderName } from './labels.js';

/** One SRCC / PLCC figure ready to print, with where it came from. */
export interface FigureView {
  srcc: string;
  plcc: string;
  source: 'measured' | 'reported' | 'published';
  flags: FigureFlag[];
  note: string | null;
  /** Replicates aggregated (0 for reported and published figures). */
  runs: number;
  dataset: string | null;
  /** Ours − paper, `+0.0019 / −0.0008` (measured figures where the paper has one). */
  delta: string | null;
  inProgress: boolean;
}

export function figureView(figure: Figure | null | undefined): FigureView | null {
  if (!figure) return null;
  const runs = figure.source === 'measured' ? (finiteOrNull(figure.n) ?? figure.runIds?.length ?? 0) : 0;
  return {
    srcc: figure.source === 'measured' ? formatMeanStd(figure.srcc, figure.srccStd, runs) : formatNumber(figure.srcc),
    plcc: figure.source === 'measured' ? formatMeanStd(figure.plcc, figure.plccStd, runs) : formatNumber(figure.plcc),
    source: figure.source,
    flags: [...(figure.flags ?? [])],
    note: figure.note ?? null,
    runs,
    dataset: figure.dataset ?? null,
    delta: figure.delta ? `${formatSigned(figure.delta.srcc)} / ${formatSigned(figure.delta.plcc)}` : null,
    inProgress: figure.inProgress === true,
  };
}

const GROUP_LABEL: Record<MethodRow['group'], string> = {
  traditional: 'Traditional',
  deep: 'Deep learning',
  clip: 'CLIP-based',
};

export interface Table2RowView {
  method: string;
  proposed: boolean;
  source: 'measured' | 'reported' | 'published';
  /** The grid point a measured row comes from, e.g. `BERT-base + Cross-attention`. */
  config: string | null;
  cells: (FigureView | null)[];
}

export interface Table2View {
  columns: { key: string; label: string; dataset: string | null }[];
  groups: { group: string; label: string; rows: Table2RowView[] }[];
  rule: string;
  flags: FigureFlag[];
}

/** Table 2 grouped as the paper groups it (traditional, deep, CLIP-based), rows in the API's order. */
export function table2View(table: Table2): Table2View {
  const columns = table.columns.map((c) => ({ key: c.key, label: c.label, dataset: c.dataset }));
  const order: MethodRow['group'][] = ['traditional', 'deep', 'clip'];
  const groups = order
    .map((group) => ({
      group,
      label: GROUP_LABEL[group],
      rows: table.rows
        .filter((r) => r.group === group)
        .map((r) => ({
          method: r.method,
          proposed: r.proposed,
          source: r.source,
          config: r.config ? configLabel(r.config) : null,
          cells: columns.map((c) => figureView(r.cells[c.key as keyof typeof r.cells])),
        })),
    }))
    .filter((g) => g.rows.length > 0);
  const flags = [...new Set(groups.flatMap((g) => g.rows.flatMap((r) => r.cells.flatMap((c) => c?.flags ?? []))))];
  return { columns, groups, rule: table.rule, flags };
}

/** What a measured row ran: `BERT-base + Cross-attention`, or the method (`clip-iqa zero-shot`). */
function configLabel(config: NonNullable<MethodRow['config']>): string {
  if (config.method !== 'fusion-head' || config.textEncoder === null || config.fusion === null) return `${config.method} on ${config.imageEncoder}, no training`;
  return `${encoderLabel(config.textEncoder)} + ${fusionLabel(config.fusion)}`;
}

/**
 * SRCC by method for one column of Table 2, as two bar traces (measured and reported) so that the
 * picture keeps the provenance.
 */
export function table2Bars(table: Table2, column: string): Data[] {
  const pick = (source: 'measured' | 'reported') => {
    const rows = table.rows.filter((r) => r.source === source && finiteOrNull(r.cells[column as keyof typeof r.cells]?.srcc) !== null);
    return {
      // A measured row may share its method name with the paper's row: same category, bars side by side.
      x: rows.map((r) => r.method),
      y: rows.map((r) => r.cells[column as keyof typeof r.cells]?.srcc as number),
    };
  };
  return [
    { type: 'bar', name: 'reported by the paper', marker: { color: '#9e9e9e' }, ...pick('reported') },
    { type: 'bar', name: 'measured here', marker: { color: '#1565c0' }, ...pick('measured') },
  ];
}

export interface Table3RowView {
  method: string;
  proposed: boolean;
  source: 'measured' | 'reported' | 'published';
  figure: FigureView | null;
  /** Published rows: the paper and the protocol it states. */
  citation: string | null;
  protocol: string | null;
}

export function table3View(table: Table3): { dataset: string | null; rows: Table3RowView[]; rule: string } {
  return {
    dataset: table.dataset,
    rows: table.rows.map((r) => ({
      method: r.method,
      proposed: r.proposed,
      source: r.source,
      figure: figureView(r.figure),
      citation: r.citation ? `${r.citation.reference}${r.citation.url ? ` ${r.citation.url}` : ''}` : null,
      protocol: r.protocol ? `split: ${r.protocol.splitUnit}; repeats: ${r.protocol.repeats}; epoch selection: ${r.protocol.epochSelection}` : null,
    })),
    rule: table.rule,
  };
}

/** A machine record as one line: hostname, CPU, GPU where known. */
export function machineLine(host: string, machine: Record<string, unknown> | null | undefined): string {
  const parts = [host || 'unknown host'];
  for (const key of ['cpu', 'cpuModel', 'gpu', 'platform', 'arch']) {
    const raw = machine?.[key];
    // `gpu` is a list of device names (libs/model machineInfo); the rest are strings.
    const v = Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string').join(', ') : raw;
    if (typeof v === 'string' && v && !parts.includes(v)) parts.push(v);
  }
  return parts.join(' · ');
}

/** Label of a measured configuration in the timing chart's legend. */
export function timingSeriesLabel(row: TimingTable['rows'][number]): string {
  return `ours: ${row.host} · ${row.backend} · ${fusionLabel(row.fusion)} · batch ${row.batchSize}`;
}

/**
 * Bars of ms / image by text encoder: the paper's figures (its GPU server) and one trace per measured
 * configuration (host, backend, fusion, batch), so that the machine is never hidden.
 */
export function timingBars(table: TimingTable): { categories: string[]; data: Data[] } {
  const paperByEncoder = new Map<string, number>();
  for (const [key, ms] of Object.entries(table.paper.msPerImage)) {
    const name = toEncoderName(key) ?? key;
    if (finiteOrNull(ms) !== null) paperByEncoder.set(name, ms);
  }
  const encoders = [...new Set([...paperByEncoder.keys(), ...table.rows.map((r) => toEncoderName(r.textEncoder) ?? r.textEncoder)])];
  const rank = (e: string) => {
    const i = TABLE1_ROW_ORDER.indexOf(e as (typeof TABLE1_ROW_ORDER)[number]);
    return i === -1 ? TABLE1_ROW_ORDER.length : i;
  };
  encoders.sort((a, b) => rank(a) - rank(b));
  const categories = encoders.map(encoderLabel);

  const series = new Map<string, Map<string, number | null>>();
  for (const row of table.rows) {
    const label = timingSeriesLabel(row);
    const byEncoder = series.get(label) ?? new Map<string, number | null>();
    byEncoder.set(toEncoderName(row.textEncoder) ?? row.textEncoder, finiteOrNull(row.totalMsPerImage));
    series.set(label, byEncoder);
  }
  const data: Data[] = [
    {
      type: 'bar',
      name: 'paper (authors’ GPU server)',
      x: categories,
      y: encoders.map((e) => paperByEncoder.get(e) ?? null),
      marker: { color: '#9e9e9e' },
    },
    ...[...series.entries()].map(([name, byEncoder]): Data => ({ type: 'bar', name, x: categories, y: encoders.map((e) => byEncoder.get(e) ?? null) })),
  ];
  return { categories, data };
}

export interface TimingRowView {
  encoder: string;
  tiny: boolean;
  config: string;
  machine: string;
  total: string;
  paper: string;
  /** Ours / paper, e.g. `0.42×`, or "—". */
  ratio: string;
  stages: { stage: string; median: string; p90: string }[];
  measurements: number;
  runIds: string[];
}

/** Stage order in the breakdown: the pipeline's order, `total` last. */
const STAGE_ORDER = ['tokenize', 'text_encode', 'image_preprocess', 'image_encode', 'head', 'total'];

export function timingRows(table: TimingTable): TimingRowView[] {
  return table.rows.map((r) => {
    const total = finiteOrNull(r.totalMsPerImage);
    const paper = finiteOrNull(r.paperMs);
    const stages = Object.entries(r.stages)
      .sort(([a], [b]) => (STAGE_ORDER.indexOf(a) + 1 || 99) - (STAGE_ORDER.indexOf(b) + 1 || 99))
      .map(([stage, s]) => ({ stage, median: formatMs(s.medianMs), p90: formatMs(s.p90Ms) }));
    return {
      encoder: encoderLabel(r.textEncoder),
      tiny: isTinyEncoder(r.textEncoder),
      config: `${r.imageEncoder} + ${fusionLabel(r.fusion)}, ${r.backend}, batch ${r.batchSize}`,
      machine: machineLine(r.host, r.machine),
      total: formatMs(total),
      paper: formatMs(paper),
      ratio: total !== null && paper !== null && paper > 0 ? `${(total / paper).toFixed(2)}×` : MISSING,
      stages,
      measurements: r.measurements,
      runIds: r.runIds,
    };
  });
}
