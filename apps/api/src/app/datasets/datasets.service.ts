import {
  binEdges,
  conflict,
  histogram,
  notFound,
  type ArchiveResult,
  type DatasetInspection,
  type DatasetItemPage,
  type DatasetItemsQuery,
  type DatasetMos,
  type DatasetRow,
  type DatasetSummary,
  type DeleteResult,
} from '@agiqa/contracts';
import { loadDataset, validateDataset } from '@agiqa/data';
import { registerDataset } from '@agiqa/db';
import { Injectable } from '@nestjs/common';
import { resolve } from 'node:path';
import { DatabaseService } from '../database/database.service.js';
import type { InspectDatasetDto, RegisterDatasetDto } from './datasets.dto.js';

interface DatasetRecord {
  id: string;
  name: string;
  format: DatasetRow['format'];
  root: string;
  contentHash: string;
  itemCount: number;
  labels: string[];
  summary: unknown;
  createdAt: Date;
  archivedAt: Date | null;
}

/** Bins of the MOS histograms on the dataset page. */
const MOS_BINS = 20;

/**
 * Datasets registered whole from a folder laid out as their authors ship it. Reading and checking
 * the files is libs/data's (`loadDataset` reports every problem as `file:line:field`); the single
 * transaction that writes the dataset and all its items is libs/db's (`registerDataset`), so a bad
 * dataset leaves nothing behind. Paths are resolved on the machine that runs the API.
 */
@Injectable()
export class DatasetsService {
  constructor(private readonly database: DatabaseService) {}

  async register(body: RegisterDatasetDto): Promise<DatasetRow> {
    await this.ensureNameFree(body.name);
    const loaded = await loadDataset({ format: body.format, root: resolve(body.root), checkImages: body.checkImages });
    const dataset = await registerDataset(this.database.prisma, body.name, loaded);
    return this.get(dataset.id);
  }

  /** What registration would find, without writing: every problem, and the summary when readable. */
  async inspect(body: InspectDatasetDto): Promise<DatasetInspection> {
    const report = await validateDataset({ format: body.format, root: resolve(body.root), checkImages: body.checkImages });
    const nameAvailable =
      body.name === undefined ? null : (await this.database.prisma.dataset.findUnique({ where: { name: body.name } })) === null;
    return { ok: report.ok, problems: report.problems, summary: report.summary ?? null, nameAvailable };
  }

  async list(): Promise<DatasetRow[]> {
    const records = await this.database.prisma.dataset.findMany({ orderBy: { name: 'asc' } });
    const counts = await this.runCounts(records.map((r) => r.id));
    return records.map((record) => toRow(record, counts.get(record.id) ?? 0));
  }

  /** By id or by name (names are what grids use). */
  async get(idOrName: string): Promise<DatasetRow> {
    const record = await this.database.prisma.dataset.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] } });
    if (!record) throw notFound(`no dataset with id or name "${idOrName}"`);
    return toRow(record, (await this.runCounts([record.id])).get(record.id) ?? 0);
  }

  /** Items in the authors' order, a page at a time. */
  async items(idOrName: string, query: DatasetItemsQuery): Promise<DatasetItemPage> {
    const { id } = await this.get(idOrName);
    const prisma = this.database.prisma;
    const [total, rows] = await Promise.all([
      prisma.datasetItem.count({ where: { datasetId: id } }),
      prisma.datasetItem.findMany({
        where: { datasetId: id },
        orderBy: [{ position: 'asc' }, { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
        select: { position: true, key: true, imagePath: true, prompt: true, generator: true, mos: true },
      }),
    ]);
    return { items: rows.map((r) => ({ ...r, mos: finiteRecord(r.mos) })), total, limit: query.limit, offset: query.offset };
  }

  /** Per label: a MOS histogram overall and per generator on shared bins, with each generator's n and mean. */
  async mos(idOrName: string): Promise<DatasetMos> {
    const dataset = await this.get(idOrName);
    const rows = await this.database.prisma.datasetItem.findMany({ where: { datasetId: dataset.id }, select: { generator: true, mos: true } });
    const items = rows.map((r) => ({ generator: r.generator, mos: finiteRecord(r.mos) }));
    const labels = dataset.labels.map((label) => {
      const values = items.flatMap((i) => (label in i.mos ? [i.mos[label]] : []));
      const edges = binEdges(values, MOS_BINS);
      const generators = [...new Set(items.map((i) => i.generator))].sort();
      return {
        label,
        edges,
        counts: histogram(values, edges),
        byGenerator: generators.map((generator) => {
          const own = items.filter((i) => i.generator === generator && label in i.mos).map((i) => i.mos[label]);
          return { generator, counts: histogram(own, edges), n: own.length, mean: own.length ? own.reduce((a, b) => a + b, 0) / own.length : 0 };
        }),
      };
    });
    return { dataset: dataset.name, bins: MOS_BINS, labels };
  }

  async archive(idOrName: string, archived: boolean): Promise<ArchiveResult> {
    const { id } = await this.get(idOrName);
    await this.database.prisma.dataset.update({ where: { id }, data: { archivedAt: archived ? new Date() : null } });
    return { id, kind: 'dataset', archived };
  }

  /**
   * Deletes a dataset with its items, splits and feature-set rows, only when no run uses it: runs
   * are results, and deleting their dataset would orphan them. The 409 says how many runs and how
   * to remove them first (or archive the dataset instead).
   */
  async remove(idOrName: string): Promise<DeleteResult> {
    const { id, name } = await this.get(idOrName);
    const prisma = this.database.prisma;
    const runs = await prisma.run.count({ where: { datasetId: id } });
    if (runs > 0) {
      throw conflict(`dataset ${name} is used by ${runs} run(s): delete those runs (or their sweeps) first, or archive the dataset to hide it`);
    }
    await prisma.dataset.delete({ where: { id } });
    return { id, kind: 'dataset', deleted: { runs: 0, epochMetrics: 0, predictions: 0, artifacts: 0 } };
  }

  private async ensureNameFree(name: string): Promise<void> {
    if (await this.database.prisma.dataset.findUnique({ where: { name } })) {
      throw conflict(`a dataset named "${name}" is already registered`);
    }
  }

  private async runCounts(datasetIds: string[]): Promise<Map<string, number>> {
    if (datasetIds.length === 0) return new Map();
    const groups = await this.database.prisma.run.groupBy({
      by: ['datasetId'],
      where: { datasetId: { in: datasetIds } },
      _count: { _all: true },
    });
    return new Map(groups.map((g) => [g.datasetId, g._count._all]));
  }
}

function toRow(record: DatasetRecord, runCount: number): DatasetRow {
  return {
    id: record.id,
    name: record.name,
    format: record.format,
    root: record.root,
    contentHash: record.contentHash,
    itemCount: record.itemCount,
    labels: record.labels,
    summary: record.summary as DatasetSummary,
    createdAt: record.createdAt.toISOString(),
    archived: record.archivedAt !== null,
    runCount,
  };
}

/** Stored MOS as label → finite number (a non-finite score is left out). */
function finiteRecord(value: unknown): Record<string, number> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}
