import { conflict, notFound, type DatasetInspection, type DatasetRow, type DatasetSummary } from '@agiqa/contracts';
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
}

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
    runCount,
  };
}
