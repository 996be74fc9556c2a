import {
  FUSION_NAMES,
  invalidInput,
  PAPER_ENCODER_KEY,
  PAPER_RESULTS,
  TEXT_ENCODER_NAMES,
  type FusionName,
  type Table1,
  type Table1Query,
  type TableCell,
  type TextEncoderName,
} from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';
import { aggregate, delta } from './aggregate.js';
import { exclusionNotes, nWords, plccWords, selectionWords } from './describe.js';
import { completedRunsPerDataset, datasetByName, sweepById } from './lookups.js';
import { loadTableRuns, rowName, type DatasetRef, type TableRun } from './replicates.js';
import { tableScope } from './selection.js';
import { groupBy } from './group-by.js';

/**
 * Table 1 from Postgres: text encoder × fusion on one dataset and one setting (`tableScope`),
 * each cell mean ± sample std of SRCC and PLCC over its replicates, n, run ids and Δ to the paper
 * (AGIQA-3K datasets only). The paper's own figures come beside it in `reported`.
 *
 * Dataset: the one asked for; with `sweep`, the sweep's first dataset (grid order) that has
 * completed runs; with `setting`, the dataset with most of its runs; else the dataset with the
 * most completed runs (ties: name order).
 */
export async function getTable1(prisma: PrismaClient, query: Partial<Table1Query> = {}): Promise<Table1> {
  const plcc = query.plcc ?? 'raw';
  const inProgress = query.inProgress ?? 'exclude';
  const sweep = query.sweep !== undefined ? await sweepById(prisma, query.sweep) : undefined;
  const dataset = await table1Dataset(prisma, query, sweep?.datasets);
  const scope = await tableScope(prisma, {
    datasets: dataset ? [dataset] : [],
    sweep: sweep?.sweep,
    settingId: query.setting,
    belongs: (run) => run.method === 'fusion-head',
    plcc,
    inProgress,
    fallbackToLatest: true,
  });
  const rows = tableRows(scope.replicates, dataset?.format === 'agiqa3k');
  const counts = rows.flatMap((r) => Object.values(r.cells).map((c) => c.n));
  const notes = exclusionNotes(scope.excluded, scope.selection, inProgress);
  if (dataset && dataset.format !== 'agiqa3k') notes.push(`${dataset.name} is not an AGIQA-3K dataset: the paper's figures (AGIQA-3K) are shown for reference, without Δ.`);
  const tiny = rows.map((r) => r.textEncoder).filter((name) => PAPER_ENCODER_KEY[name as TextEncoderName] === null);
  if (tiny.length > 0) notes.push(`${tiny.join(', ')}: randomly initialised fixture encoders (offline demo and tests), not comparable with the paper.`);
  const caption = [
    `Table 1: SRCC / PLCC of text encoder × fusion${dataset ? ` on ${dataset.name}` : ''}, mean ± sample std over replicates (seed × split repeat)`,
    selectionWords(scope.selection),
    nWords(counts),
    plccWords(plcc),
    dataset?.format === 'agiqa3k' ? 'Δ = ours − paper' : null,
  ]
    .filter(Boolean)
    .join('; ');
  return {
    dataset: dataset?.name ?? null,
    selection: scope.selection,
    fusions: [...FUSION_NAMES],
    rows,
    reported: paperRows(),
    plcc,
    inProgress,
    excluded: scope.excluded,
    caption: `${caption}.`,
    notes,
  };
}

async function table1Dataset(prisma: PrismaClient, query: Partial<Table1Query>, sweepDatasets: string[] | undefined): Promise<DatasetRef | null> {
  if (query.dataset !== undefined) {
    if (sweepDatasets && !sweepDatasets.includes(query.dataset)) {
      throw invalidInput(`sweep "${query.sweep}" did not run on dataset "${query.dataset}" (its datasets: ${sweepDatasets.join(', ')})`, [
        { path: 'dataset', message: `not a dataset of sweep "${query.sweep}"` },
      ]);
    }
    return datasetByName(prisma, query.dataset);
  }
  if (sweepDatasets) {
    const counts = await completedRunsPerDataset(prisma, query.sweep);
    const refs = await Promise.all(sweepDatasets.map((name) => datasetByName(prisma, name, 'sweep')));
    return refs.find((d) => (counts.get(d.id) ?? 0) > 0) ?? refs[0] ?? null;
  }
  if (query.setting !== undefined) return datasetOfSetting(prisma, query.setting, query.plcc ?? 'raw');
  return busiestDataset(prisma);
}

/** The dataset with most completed runs of a setting (null when none: `tableScope` then says so). */
async function datasetOfSetting(prisma: PrismaClient, settingId: string, plcc: Table1Query['plcc']): Promise<DatasetRef | null> {
  const runs = (await loadTableRuns(prisma, {}, plcc)).filter((r) => r.setting.id === settingId);
  const counts = new Map<string, { ref: DatasetRef; runs: number }>();
  for (const run of runs) counts.set(run.dataset.id, { ref: run.dataset, runs: (counts.get(run.dataset.id)?.runs ?? 0) + 1 });
  const ranked = [...counts.values()].sort((a, b) => b.runs - a.runs || a.ref.name.localeCompare(b.ref.name));
  return ranked[0]?.ref ?? (await busiestDataset(prisma));
}

async function busiestDataset(prisma: PrismaClient): Promise<DatasetRef | null> {
  const counts = await completedRunsPerDataset(prisma);
  if (counts.size === 0) return null;
  const datasets = await prisma.dataset.findMany({ where: { id: { in: [...counts.keys()] } }, select: { id: true, name: true } });
  const ranked = datasets.sort((a, b) => (counts.get(b.id) ?? 0) - (counts.get(a.id) ?? 0) || a.name.localeCompare(b.name));
  return ranked[0] ? datasetByName(prisma, ranked[0].name) : null;
}

/**
 * Rows in the closed encoder order (unknown names after it); a text encoder run with a model
 * override is a row of its own (`bert-base @ <override>`), never averaged with the registry model.
 */
function tableRows(replicates: TableRun[], comparable: boolean): Table1['rows'] {
  const rank = (name: string) => {
    const i = TEXT_ENCODER_NAMES.indexOf(name as TextEncoderName);
    return i === -1 ? TEXT_ENCODER_NAMES.length : i;
  };
  const groups = groupBy(replicates, rowName);
  const names = [...groups.keys()].sort((a, b) => rank(groups.get(a)?.[0]?.textEncoder ?? a) - rank(groups.get(b)?.[0]?.textEncoder ?? b) || a.localeCompare(b));
  return names.map((textEncoder) => {
    const members = groups.get(textEncoder) ?? [];
    const cells: Partial<Record<FusionName, TableCell>> = {};
    for (const fusion of FUSION_NAMES) {
      const figure = aggregate(members.filter((r) => r.fusion === fusion));
      if (!figure) continue;
      const encoder = members[0].textEncoder;
      const paper = comparable && encoder !== null && !members[0].textModel ? paperCell(encoder, fusion) : null;
      cells[fusion] = { ...figure, delta: delta(figure, paper) };
    }
    return { textEncoder, cells };
  });
}

function paperCell(textEncoder: string, fusion: FusionName): { srcc: number; plcc: number } | null {
  const key = PAPER_ENCODER_KEY[textEncoder as TextEncoderName];
  return key ? PAPER_RESULTS.table1_ablation_agiqa3k.rows[key][fusion] : null;
}

function paperRows(): Table1['reported'] {
  const table = PAPER_RESULTS.table1_ablation_agiqa3k.rows;
  return TEXT_ENCODER_NAMES.flatMap((textEncoder) => {
    const key = PAPER_ENCODER_KEY[textEncoder];
    if (key === null) return [];
    const cells: Table1['reported'][number]['cells'] = {};
    for (const fusion of FUSION_NAMES) {
      const cell: { srcc: number; plcc: number; uncertain?: boolean } = table[key][fusion];
      cells[fusion] = { srcc: cell.srcc, plcc: cell.plcc, ...(cell.uncertain ? { uncertain: true } : {}) };
    }
    return [{ textEncoder, cells }];
  });
}
