import {
  canonicalJson,
  FUSION_NAMES,
  invalidInput,
  PAPER_RESULTS,
  PAPER_ENCODER_KEY,
  TEXT_ENCODER_NAMES,
  type FusionName,
  type Table1,
  type Table1Setting,
  type TableCell,
  type TextEncoderName,
} from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';

interface MeasuredRun {
  id: string;
  textEncoder: string;
  fusion: string;
  srcc: number;
  plcc: number;
  optimistic: boolean;
  /** `settingKey` of the run's config: runs share a cell only within one setting. */
  setting: string;
  config: unknown;
  sweepId: string;
}

/**
 * Table 1 from Postgres: completed runs of one dataset and one setting (`Table1Setting`: every
 * grid option except encoder, fusion, seed and split repeat) grouped by (text encoder, fusion),
 * mean and sample standard deviation of SRCC and PLCC over their seeds and split repeats. Runs of
 * any sweep with that setting count; runs of other settings never mix in (`otherSettings` says
 * how many there are). Default setting: the latest completed run's; `sweep` picks that sweep's.
 * A cell is `optimistic` when any of its runs reported the best epoch on the test set. Runs
 * without finite metrics are left out, so no figure is ever NaN. Default dataset: the one with the
 * most completed runs (ties: name order). `reported` carries the paper's figures for every encoder
 * the paper has (tiny fixture encoders have none).
 */
export async function getTable1(prisma: PrismaClient, query: { dataset?: string; sweep?: string } = {}): Promise<Table1> {
  const datasetName = query.dataset ?? (await busiestDataset(prisma));
  if (query.dataset !== undefined && !(await prisma.dataset.findUnique({ where: { name: query.dataset }, select: { id: true } }))) {
    const names = (await prisma.dataset.findMany({ select: { name: true }, orderBy: { name: 'asc' }, take: 50 })).map((d) => d.name);
    throw invalidInput(`unknown dataset "${query.dataset}" (registered: ${names.join(', ') || 'none'})`, [
      { path: 'dataset', message: `unknown dataset "${query.dataset}"` },
    ]);
  }
  const runs = datasetName === null ? [] : await completedRuns(prisma, datasetName);
  let chosen = runs.at(-1);
  if (query.sweep !== undefined) {
    chosen = runs.findLast((r) => r.sweepId === query.sweep);
    if (!chosen) {
      throw invalidInput(`sweep "${query.sweep}" has no completed runs on dataset "${datasetName ?? '(none)'}"`, [
        { path: 'sweep', message: 'no completed runs on this dataset' },
      ]);
    }
  }
  const shown = chosen ? runs.filter((r) => r.setting === chosen.setting) : [];
  const settings = new Set(runs.map((r) => r.setting));
  return {
    dataset: datasetName,
    setting: chosen ? settingOf(chosen.config) : null,
    otherSettings: Math.max(0, settings.size - 1),
    fusions: [...FUSION_NAMES],
    rows: tableRows(shown),
    reported: paperRows(),
  };
}

/** The comparable part of a run's config (libs/db `RunConfig`). */
export function settingOf(config: unknown): Table1Setting {
  const c = (config ?? {}) as Record<string, unknown>;
  const split = (c.split ?? {}) as Record<string, unknown>;
  return {
    imageEncoder: String(c.imageEncoder ?? ''),
    label: String(c.label ?? ''),
    epochs: Number(c.epochs ?? 0),
    batchSize: Number(c.batchSize ?? 0),
    learningRate: Number(c.learningRate ?? 0),
    reportRule: String(c.reportRule ?? ''),
    trainingMode: String(c.trainingMode ?? ''),
    split: { unit: String(split.unit ?? ''), train: Number(split.train ?? 0), val: Number(split.val ?? 0) },
    head: (c.head ?? {}) as Record<string, unknown>,
  };
}

/** Equal for equal settings, whatever the key order in the stored JSON. */
function settingKey(config: unknown): string {
  return canonicalJson(settingOf(config));
}

async function busiestDataset(prisma: PrismaClient): Promise<string | null> {
  const counts = await prisma.run.groupBy({ by: ['datasetId'], where: { status: 'completed' }, _count: { _all: true } });
  if (counts.length === 0) return null;
  const datasets = await prisma.dataset.findMany({ where: { id: { in: counts.map((c) => c.datasetId) } }, select: { id: true, name: true } });
  const nameOf = new Map(datasets.map((d) => [d.id, d.name]));
  const ranked = counts
    .map((c) => ({ name: nameOf.get(c.datasetId) ?? '', runs: c._count._all }))
    .sort((a, b) => b.runs - a.runs || a.name.localeCompare(b.name));
  return ranked[0]?.name ?? null;
}

/** Completed runs with finite metrics, oldest finished first. */
async function completedRuns(prisma: PrismaClient, dataset: string): Promise<MeasuredRun[]> {
  const rows = await prisma.run.findMany({
    where: { status: 'completed', dataset: { name: dataset }, srcc: { not: null }, plcc: { not: null } },
    select: { id: true, sweepId: true, textEncoder: true, fusion: true, srcc: true, plcc: true, reportRule: true, config: true },
    orderBy: [{ finishedAt: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.flatMap((r) =>
    r.srcc !== null && r.plcc !== null && Number.isFinite(r.srcc) && Number.isFinite(r.plcc)
      ? [
          {
            id: r.id,
            sweepId: r.sweepId,
            textEncoder: r.textEncoder,
            fusion: r.fusion,
            srcc: r.srcc,
            plcc: r.plcc,
            optimistic: r.reportRule === 'best_on_test',
            setting: settingKey(r.config),
            config: r.config,
          },
        ]
      : [],
  );
}

/** Rows in the closed encoder order (unknown names, if any, after it); cells per fusion. */
function tableRows(runs: MeasuredRun[]): Table1['rows'] {
  const rank = (name: string) => {
    const i = TEXT_ENCODER_NAMES.indexOf(name as TextEncoderName);
    return i === -1 ? TEXT_ENCODER_NAMES.length : i;
  };
  const encoders = [...new Set(runs.map((r) => r.textEncoder))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return encoders.map((textEncoder) => {
    const cells: Partial<Record<FusionName, TableCell>> = {};
    for (const fusion of FUSION_NAMES) {
      const group = runs.filter((r) => r.textEncoder === textEncoder && r.fusion === fusion);
      if (group.length > 0) cells[fusion] = aggregate(group);
    }
    return { textEncoder, cells };
  });
}

function aggregate(group: MeasuredRun[]): TableCell {
  const srcc = group.map((r) => r.srcc);
  const plcc = group.map((r) => r.plcc);
  return {
    srcc: mean(srcc),
    plcc: mean(plcc),
    srccStd: sampleStd(srcc),
    plccStd: sampleStd(plcc),
    runs: group.length,
    optimistic: group.some((r) => r.optimistic),
    runIds: group.map((r) => r.id),
  };
}

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
function sampleStd(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
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
