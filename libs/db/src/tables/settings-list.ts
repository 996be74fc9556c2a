import type { SettingsList, SettingsQuery } from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';
import { datasetByName } from './lookups.js';
import { applyInProgress, countOnce, loadTableRuns } from './replicates.js';
import { groupBy } from './group-by.js';

/**
 * The settings with completed runs (on one dataset, or on any), for the table pages' pickers:
 * each with its replicates under the aggregation rule, the datasets and sweeps they came from.
 * The paper's protocol first, then the most recently finished.
 */
export async function listSettings(prisma: PrismaClient, query: Partial<SettingsQuery> = {}): Promise<SettingsList> {
  const inProgress = query.inProgress ?? 'exclude';
  const dataset = query.dataset !== undefined ? await datasetByName(prisma, query.dataset) : null;
  const runs = await loadTableRuns(prisma, dataset ? { datasetIds: [dataset.id] } : {}, 'raw');
  const { kept: current } = applyInProgress(runs, inProgress);
  const groups = groupBy(current, (run) => run.setting.id);
  const settings = [...groups.values()].map((group) => {
    const { kept } = countOnce(group);
    const sweeps = new Map<string, SettingsList['settings'][number]['sweeps'][number]>();
    for (const run of kept) sweeps.set(run.sweep.id, { ...run.sweep, replicates: (sweeps.get(run.sweep.id)?.replicates ?? 0) + 1 });
    const finished = kept.flatMap((r) => (r.finishedAt ? [r.finishedAt.getTime()] : []));
    return {
      ...group[0].setting,
      replicates: kept.length,
      datasets: [...new Set(kept.map((r) => r.dataset.name))].sort(),
      sweeps: [...sweeps.values()],
      lastFinishedAt: finished.length > 0 ? new Date(Math.max(...finished)).toISOString() : null,
      inProgress: kept.some((r) => r.inProgress),
    };
  });
  settings.sort((a, b) => Number(b.paperProtocol) - Number(a.paperProtocol) || (b.lastFinishedAt ?? '').localeCompare(a.lastFinishedAt ?? ''));
  return { dataset: dataset?.name ?? null, inProgress, settings };
}
