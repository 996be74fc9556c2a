import {
  invalidInput,
  PAPER_DATASET_COLUMNS,
  PAPER_RESULTS,
  PUBLISHED_RESULTS,
  type Exclusions,
  type Figure,
  type MethodRow,
  type PaperDatasetColumn,
  type PaperTablesQuery,
  type Selection,
  type SettingRef,
  type SweepRef,
  type Table2,
  type Table3,
} from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';
import { aggregate, delta } from './aggregate.js';
import { exclusionNotes, nWords, plccWords, selectionWords } from './describe.js';
import { allDatasets, datasetByName, sweepById } from './lookups.js';
import { MEASURED_METHODS, runOf, type MeasuredMethod } from './methods.js';
import { addExclusions, applyInProgress, loadTableRuns, noExclusions, type DatasetRef, type TableRun } from './replicates.js';
import { scopeOf, settingWithoutRuns, type Scope } from './selection.js';

const COLUMN_LABELS: Record<PaperDatasetColumn, string> = { agiqa3k: 'AGIQA-3K', aigciqa2023: 'AIGCIQA2023', pku_i2iqa: 'PKU-I2IQA' };

/** Which registered datasets can stand for a paper dataset column. */
const COLUMN_MATCHES: Record<PaperDatasetColumn, (d: DatasetRef) => boolean> = {
  agiqa3k: (d) => d.format === 'agiqa3k',
  aigciqa2023: (d) => d.format === 'aigciqa2023',
  pku_i2iqa: (d) => d.format === 'manifest' && /pku/i.test(d.name),
};

const RULE =
  'Measured rows (this platform) aggregate completed runs of one method — CLIP-BERT-AGIQA: text encoder bert-base (no model override), ' +
  'fusion cross_attention, image encoder clip-vit-b32; CLIP-IQA: the zero-shot method clip-iqa on clip-vit-b32 — in one setting: ' +
  "the paper's protocol (the default grid) unless ?setting= or ?sweep= picks another, so an ablation never moves these rows. " +
  'Each replicate (seed × split repeat) counts once (its newest run); runs of sweeps in progress are left out unless ?inProgress=include. ' +
  'A column uses the registered dataset named by ?agiqa3k= / ?aigciqa2023= / ?pku_i2iqa= (with ?sweep=: the sweep\'s dataset of that kind), ' +
  'else the dataset of that format with the most such runs (PKU-I2IQA: a manifest dataset whose name contains "pku"). ' +
  "Tiny fixture encoders never count. Other methods cannot run here and show the paper's figures, marked reported.";

interface Context {
  query: PaperTablesQuery;
  sweep: { sweep: SweepRef; datasets: string[] } | null;
  runs: TableRun[];
}

/** Table 2: the paper's methods × datasets as reported, with measured rows beside the paper's row of each measured method. */
export async function getTable2(prisma: PrismaClient, query: PaperTablesQuery): Promise<Table2> {
  const context = await loadContext(prisma, query);
  const columns = await resolveColumns(prisma, context, PAPER_DATASET_COLUMNS);
  const measured = new Map<MeasuredMethod, { row: MethodRow; scopes: Scope[] }>();
  for (const method of MEASURED_METHODS) {
    const row: MethodRow = { method: method.label, group: method.group, proposed: method.proposed, source: 'measured', config: method.config, setting: null, cells: {} };
    const scopes: Scope[] = [];
    for (const column of PAPER_DATASET_COLUMNS) {
      const dataset = columns[column];
      if (!dataset) continue;
      const scope = methodScope(context, method, dataset);
      scopes.push(scope);
      const figure = measuredFigure(scope, dataset, paperFigure2(method.paperMethod, column));
      if (figure) {
        row.cells[column] = figure;
        row.setting ??= scope.selection.setting;
      }
    }
    measured.set(method, { row, scopes });
  }
  assertSettingFound(context, [...measured.values()].flatMap((m) => m.scopes));

  const rows: MethodRow[] = [];
  for (const paperRow of PAPER_RESULTS.table2_methods_by_dataset.rows) {
    const cells: MethodRow['cells'] = {};
    for (const column of PAPER_DATASET_COLUMNS) {
      const [srcc, plcc] = paperRow[column];
      const conflict = column === 'pku_i2iqa' && 'pku_i2iqa_text_says' in paperRow;
      cells[column] = conflict
        ? reportedFigure(srcc, plcc, 'reported', ['conflict'], `the paper's text says ${paperRow.pku_i2iqa_text_says.join(' / ')}; its Table 2 says ${srcc} / ${plcc}`)
        : reportedFigure(srcc, plcc, 'reported');
    }
    const proposed = 'proposed' in paperRow && paperRow.proposed === true;
    rows.push({ method: paperRow.method, group: paperRow.group, proposed, source: 'reported', config: null, setting: null, cells });
    for (const [method, { row }] of measured) {
      if (method.paperMethod === paperRow.method && Object.keys(row.cells).length > 0) rows.push(row);
    }
  }
  const scopes = [...measured.values()].flatMap((m) => m.scopes);
  const selection = tableSelection(context, scopes);
  const excluded = sumExclusions(scopes);
  const datasetsWords = PAPER_DATASET_COLUMNS.map((c) => `${COLUMN_LABELS[c]}${columns[c] ? ` (${columns[c]?.name})` : ''}`).join(', ');
  const counts = rows.flatMap((r) => Object.values(r.cells).filter((f) => f.source === 'measured').map((f) => f.n));
  return {
    columns: PAPER_DATASET_COLUMNS.map((key) => ({ key, label: COLUMN_LABELS[key], dataset: columns[key]?.name ?? null })),
    selection,
    rows,
    rule: RULE,
    plcc: query.plcc,
    inProgress: query.inProgress,
    excluded,
    caption: caption(`Table 2: SRCC / PLCC of IQA methods on ${datasetsWords}`, selection, counts, query),
    notes: [...exclusionNotes(excluded, selection, query.inProgress), ...settingNotes(measured)],
  };
}

/** Table 3: AGI-specific methods on AGIQA-3K; measured rows beside the paper's, then other papers' published figures. */
export async function getTable3(prisma: PrismaClient, query: PaperTablesQuery): Promise<Table3> {
  const context = await loadContext(prisma, query);
  const dataset = (await resolveColumns(prisma, context, ['agiqa3k'])).agiqa3k;
  const scopes: Scope[] = [];
  const measuredRows = MEASURED_METHODS.flatMap((method): Table3['rows'] => {
    if (!dataset) return [];
    const scope = methodScope(context, method, dataset);
    scopes.push(scope);
    const paper = paperFigure3(method.paperMethod) ?? paperFigure2(method.paperMethod, 'agiqa3k');
    const figure = measuredFigure(scope, dataset, paper);
    return figure ? [{ method: method.label, proposed: method.proposed, source: 'measured', figure, config: method.config, setting: scope.selection.setting, citation: null, protocol: null }] : [];
  });
  assertSettingFound(context, scopes);

  const rows: Table3['rows'] = [];
  const placed = new Set<string>();
  for (const paperRow of PAPER_RESULTS.table3_agiqa3k_agi_methods.rows) {
    const proposed = 'proposed' in paperRow && paperRow.proposed === true;
    rows.push({ method: paperRow.method, proposed, source: 'reported', figure: reportedFigure(paperRow.srcc, paperRow.plcc, 'reported'), config: null, setting: null, citation: null, protocol: null });
    for (const method of MEASURED_METHODS.filter((m) => m.paperMethod === paperRow.method)) {
      const row = measuredRows.find((r) => r.method === method.label);
      if (row) rows.push(row);
      placed.add(method.label);
    }
  }
  // Measured methods the paper's Table 3 has no row for (CLIP-IQA: its Δ is to the paper's Table 2 AGIQA-3K figure).
  rows.push(...measuredRows.filter((r) => !placed.has(r.method)));
  if (query.published) {
    for (const published of PUBLISHED_RESULTS.agiqa3k) {
      rows.push({
        method: published.method,
        proposed: false,
        source: 'published',
        figure: reportedFigure(published.srcc, published.plcc, 'published', [], PUBLISHED_RESULTS.note),
        config: null,
        setting: null,
        citation: { ...published.citation },
        protocol: { ...published.protocol },
      });
    }
  }
  const selection = tableSelection(context, scopes);
  const excluded = sumExclusions(scopes);
  const counts = measuredRows.map((r) => r.figure.n);
  const notes = exclusionNotes(excluded, selection, query.inProgress);
  if (query.published) notes.push("Published rows are other papers' figures under their own protocols (see each row's protocol): not measured here, not comparable one to one.");
  return {
    dataset: dataset?.name ?? null,
    selection,
    rows,
    rule: RULE,
    plcc: query.plcc,
    inProgress: query.inProgress,
    excluded,
    caption: caption(`Table 3: SRCC / PLCC of AGI-specific methods on AGIQA-3K${dataset ? ` (${dataset.name})` : ''}`, selection, counts, query),
    notes,
  };
}

async function loadContext(prisma: PrismaClient, query: PaperTablesQuery): Promise<Context> {
  const sweep = query.sweep !== undefined ? await sweepById(prisma, query.sweep) : null;
  const runs = await loadTableRuns(prisma, sweep ? { sweepId: sweep.sweep.id } : {}, query.plcc);
  return { query, sweep, runs };
}

function methodScope(context: Context, method: MeasuredMethod, dataset: DatasetRef): Scope {
  return scopeOf(context.runs, {
    datasets: [dataset],
    sweep: context.sweep?.sweep,
    settingId: context.query.setting,
    belongs: (run) => runOf(method, run),
    plcc: context.query.plcc,
    inProgress: context.query.inProgress,
    fallbackToLatest: false,
    settingMustExist: false,
  });
}

/** `?setting=` that no measured method has runs of, in any column: an error naming it, not an empty table. */
function assertSettingFound(context: Context, scopes: Scope[]): void {
  const id = context.query.setting;
  if (id === undefined || scopes.some((s) => s.selection.setting !== null)) return;
  throw settingWithoutRuns(id, [...new Set(context.runs.map((r) => r.setting.id))]);
}

/**
 * For each paper dataset, the registered dataset whose runs fill its measured cells (or null): the
 * one named in the query; with a sweep, the sweep's dataset of that kind; else the dataset of that
 * kind with the most completed runs of the measured methods (ties: name order).
 */
async function resolveColumns(prisma: PrismaClient, context: Context, columns: readonly PaperDatasetColumn[]): Promise<Partial<Record<PaperDatasetColumn, DatasetRef | null>>> {
  const datasets = await allDatasets(prisma);
  const { kept: current } = applyInProgress(
    context.runs.filter((r) => MEASURED_METHODS.some((m) => runOf(m, r))),
    context.query.inProgress,
  );
  const runsOf = new Map<string, number>();
  for (const run of current) runsOf.set(run.dataset.id, (runsOf.get(run.dataset.id) ?? 0) + 1);
  const result: Partial<Record<PaperDatasetColumn, DatasetRef | null>> = {};
  for (const column of columns) {
    const named = context.query[column];
    if (named !== undefined) {
      const dataset = await datasetByName(prisma, named, column);
      if (context.sweep && !context.sweep.datasets.includes(named)) {
        throw invalidInput(`sweep "${context.sweep.sweep.id}" did not run on dataset "${named}" (its datasets: ${context.sweep.datasets.join(', ')})`, [
          { path: column, message: `not a dataset of sweep "${context.sweep.sweep.id}"` },
        ]);
      }
      result[column] = dataset;
      continue;
    }
    const candidates = datasets.filter((d) => COLUMN_MATCHES[column](d) && (!context.sweep || context.sweep.datasets.includes(d.name)));
    const ranked = context.sweep
      ? candidates.sort((a, b) => (context.sweep?.datasets.indexOf(a.name) ?? 0) - (context.sweep?.datasets.indexOf(b.name) ?? 0))
      : candidates.filter((d) => (runsOf.get(d.id) ?? 0) > 0).sort((a, b) => (runsOf.get(b.id) ?? 0) - (runsOf.get(a.id) ?? 0) || a.name.localeCompare(b.name));
    result[column] = ranked[0] ?? null;
  }
  return result;
}

function measuredFigure(scope: Scope, dataset: DatasetRef, paper: { srcc: number; plcc: number } | null): Figure | null {
  const figure = aggregate(scope.replicates);
  if (!figure) return null;
  const flags: Figure['flags'] = figure.optimistic ? ['optimistic'] : [];
  return {
    srcc: figure.srcc,
    plcc: figure.plcc,
    source: 'measured',
    runIds: figure.runIds,
    n: figure.n,
    srccStd: figure.srccStd,
    plccStd: figure.plccStd,
    dataset: dataset.name,
    flags,
    note: figure.optimistic ? 'epoch selected on the test set (best-on-test): optimistic' : null,
    inProgress: figure.inProgress,
    delta: delta(figure, paper),
  };
}

function reportedFigure(srcc: number, plcc: number, source: 'reported' | 'published', flags: Figure['flags'] = [], note: string | null = null): Figure {
  return { srcc, plcc, source, runIds: [], n: 0, srccStd: null, plccStd: null, dataset: null, flags, note, inProgress: false, delta: null };
}

function paperFigure2(method: string, column: PaperDatasetColumn): { srcc: number; plcc: number } | null {
  const row = PAPER_RESULTS.table2_methods_by_dataset.rows.find((r) => r.method === method);
  return row ? { srcc: row[column][0], plcc: row[column][1] } : null;
}

function paperFigure3(method: string): { srcc: number; plcc: number } | null {
  const row = PAPER_RESULTS.table3_agiqa3k_agi_methods.rows.find((r) => r.method === method);
  return row ? { srcc: row.srcc, plcc: row.plcc } : null;
}

/** The table's selection: how settings were chosen, the proposed model's setting (else any shown), the most other settings any cell had. */
function tableSelection(context: Context, scopes: Scope[]): Selection {
  const shown = scopes.find((s) => s.selection.setting !== null);
  return {
    rule: context.sweep ? 'sweep' : context.query.setting ? 'setting' : 'paper-protocol',
    setting: shown?.selection.setting ?? null,
    sweep: context.sweep?.sweep ?? null,
    otherSettings: Math.max(0, ...scopes.map((s) => s.selection.otherSettings)),
  };
}

function sumExclusions(scopes: Scope[]): Exclusions {
  return scopes.reduce((sum, s) => addExclusions(sum, s.excluded), noExclusions());
}

/** When measured rows show different settings (an engine split a sweep, a method ran elsewhere), say which. */
function settingNotes(measured: Map<MeasuredMethod, { row: MethodRow; scopes: Scope[] }>): string[] {
  const settings = new Map<string, SettingRef>();
  for (const { scopes } of measured.values()) for (const s of scopes) if (s.selection.setting && s.replicates.length > 0) settings.set(s.selection.setting.id, s.selection.setting);
  if (settings.size < 2) return [];
  return [`Measured figures come from ${settings.size} settings: ${[...settings.values()].map((s) => `${s.id} (${s.summary})`).join('; ')}.`];
}

function caption(title: string, selection: Selection, counts: number[], query: PaperTablesQuery): string {
  const measured = counts.length > 0 ? `measured rows (this platform): mean ± sample std over replicates, ${selectionWords(selection)}, ${nWords(counts)}` : 'no measured rows';
  return `${title}; ${measured}; other rows as reported; ${plccWords(query.plcc)}; Δ = ours − paper.`;
}
