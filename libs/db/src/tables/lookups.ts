import { DATASET_FORMATS, GridSpecSchema, invalidInput, type DatasetFormat, type SweepRef } from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';
import { NOT_ARCHIVED, type DatasetRef } from './replicates.js';

/** How many registered names an "unknown" error lists. */
const LISTED = 50;

/** A registered dataset by name; an unknown name is `invalid_input` on `field`, listing registered names. */
export async function datasetByName(prisma: PrismaClient, name: string, field = 'dataset'): Promise<DatasetRef> {
  const found = await prisma.dataset.findUnique({ where: { name }, select: { id: true, name: true, format: true } });
  if (found) return { ...found, format: toFormat(found.format) };
  const names = (await prisma.dataset.findMany({ select: { name: true }, orderBy: { name: 'asc' }, take: LISTED })).map((d) => d.name);
  throw invalidInput(`unknown dataset "${name}" (registered: ${names.join(', ') || 'none'})`, [{ path: field, message: `unknown dataset "${name}"` }]);
}

export async function allDatasets(prisma: PrismaClient): Promise<DatasetRef[]> {
  const rows = await prisma.dataset.findMany({ select: { id: true, name: true, format: true }, orderBy: { name: 'asc' } });
  return rows.map((d) => ({ ...d, format: toFormat(d.format) }));
}

/** A sweep and the datasets its grid names (in grid order); unknown or archived → `invalid_input` on `field`. */
export async function sweepById(prisma: PrismaClient, id: string, field = 'sweep'): Promise<{ sweep: SweepRef; datasets: string[] }> {
  const row = await prisma.sweep.findUnique({ where: { id }, select: { id: true, name: true, status: true, grid: true, archivedAt: true } });
  if (!row) throw invalidInput(`unknown sweep "${id}"`, [{ path: field, message: `no sweep with id "${id}"` }]);
  if (row.archivedAt) {
    throw invalidInput(
      `sweep "${id}" is archived: tables leave archived sweeps and their runs out; unarchive it (POST /api/sweeps/${id}/unarchive) to show it`,
      [{ path: field, message: 'sweep is archived' }],
    );
  }
  const grid = GridSpecSchema.safeParse(row.grid);
  return { sweep: { id: row.id, name: row.name, status: row.status }, datasets: grid.success ? grid.data.datasets : [] };
}

/** Completed runs that are not archived, per dataset id (optionally of one sweep). */
export async function completedRunsPerDataset(prisma: PrismaClient, sweepId?: string): Promise<Map<string, number>> {
  const counts = await prisma.run.groupBy({
    by: ['datasetId'],
    where: { status: 'completed', ...NOT_ARCHIVED, ...(sweepId ? { sweepId } : {}) },
    _count: { _all: true },
  });
  return new Map(counts.map((c) => [c.datasetId, c._count._all]));
}

function toFormat(format: string): DatasetFormat {
  return (DATASET_FORMATS as readonly string[]).includes(format) ? (format as DatasetFormat) : 'manifest';
}
