import { PAPER_ENCODER_KEY, PAPER_RESULTS, type TextEncoderName, type TimingQuery, type TimingRow, type TimingTable } from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';
import { median } from './aggregate.js';
import { exclusionNotes } from './describe.js';
import { applyInProgress, archivedRunIds, loadTableRuns, replicateKey } from './replicates.js';
import { groupBy } from './group-by.js';

/**
 * Inference latency: TimingMeasurement rows grouped by configuration (encoders, fusion), batch
 * size and machine; per stage the median over measurements of their medians and p90s. Stored
 * figures are per image (libs/model `measureLatency` divides a batch's time by its size).
 *
 * The tables' aggregation rule applies to measurements of runs: a run of a sweep still in
 * progress counts only with `inProgress=include` (its row is marked), and of runs that repeat a
 * replicate (same setting, seed and split) only the newest one's measurement counts. Measurements
 * not tied to a run (stand-alone benchmarks) count as they are; those of archived runs (or of runs
 * of archived sweeps) do not count.
 */
export async function getTimingTable(prisma: PrismaClient, query: Partial<TimingQuery> = {}): Promise<TimingTable> {
  const inProgress = query.inProgress ?? 'exclude';
  const rows = await prisma.timingMeasurement.findMany({ orderBy: { createdAt: 'asc' } });
  const runIds = [...new Set(rows.flatMap((r) => (r.runId ? [r.runId] : [])))];
  const runs = runIds.length > 0 ? await loadTableRuns(prisma, { runIds }, 'raw') : [];
  const archived = await archivedRunIds(prisma, runIds);
  const { kept: current, excluded: inProgressRuns } = applyInProgress(runs, inProgress);
  const newest = new Map<string, (typeof runs)[number]>();
  for (const run of current) newest.set(replicateKey(run), run);
  const counted = new Map([...newest.values()].map((run) => [run.runId, run]));
  const duplicates = current.length - newest.size;
  // A measurement whose run is not completed (or gone) keeps no run: it counts as stand-alone.
  const known = new Set(runs.map((r) => r.runId));
  const usable = rows.filter((r) => !r.runId || (!archived.has(r.runId) && (!known.has(r.runId) || counted.has(r.runId))));

  // One configuration per (encoders, fusion, batch, machine). Stages carry their own backend
  // (onnxruntime for the encoders, tfjs for the head), so the backend is not part of the key.
  const groups = groupBy(usable, (row) => JSON.stringify([row.textEncoder, row.imageEncoder, row.fusion, row.batchSize, hostOf(row.machine)]));
  const table: TimingRow[] = [];
  for (const members of groups.values()) {
    const first = members[0];
    const stages: TimingRow['stages'] = {};
    for (const stage of new Set(members.map((m) => m.stage))) {
      const ofStage = members.filter((m) => m.stage === stage && Number.isFinite(m.medianMs) && Number.isFinite(m.p90Ms));
      if (ofStage.length === 0) continue;
      stages[stage] = {
        medianMs: median(ofStage.map((m) => m.medianMs)),
        p90Ms: median(ofStage.map((m) => m.p90Ms)),
        samples: ofStage.reduce((sum, m) => sum + m.samples, 0),
      };
    }
    const paperKey = PAPER_ENCODER_KEY[first.textEncoder as TextEncoderName] ?? null;
    table.push({
      textEncoder: first.textEncoder,
      imageEncoder: first.imageEncoder,
      fusion: first.fusion,
      // The total's backend names the whole pipeline (e.g. `onnxruntime-cpu+tfjs-wasm`).
      backend: members.find((m) => m.stage === 'total')?.backend ?? [...new Set(members.map((m) => m.backend))].sort().join('+'),
      batchSize: first.batchSize,
      host: hostOf(first.machine),
      machine: asRecord(members[members.length - 1].machine),
      stages,
      totalMsPerImage: stages.total?.medianMs ?? null,
      // One measurement = one set of stages (a run's measurement at this batch size).
      measurements: Math.max(...[...new Set(members.map((m) => m.stage))].map((stage) => members.filter((m) => m.stage === stage).length)),
      lastMeasuredAt: members[members.length - 1].createdAt.toISOString(),
      runIds: [...new Set(members.flatMap((m) => (m.runId ? [m.runId] : [])))],
      inProgress: members.some((m) => m.runId !== null && counted.get(m.runId)?.inProgress === true),
      // The paper timed its cross-attention model with CLIP ViT-B/32: only that configuration compares.
      paperMs: paperKey && first.fusion === 'cross_attention' && first.imageEncoder === 'clip-vit-b32' ? PAPER_RESULTS.timing_ms_per_image[paperKey] : null,
    });
  }
  table.sort((a, b) => a.textEncoder.localeCompare(b.textEncoder) || a.batchSize - b.batchSize || a.host.localeCompare(b.host));
  const { caption, ...msPerImage } = PAPER_RESULTS.timing_ms_per_image;
  const excluded = { duplicates, inProgress: inProgressRuns, nonFinite: 0 };
  return {
    rows: table,
    paper: { caption, msPerImage },
    inProgress,
    excluded,
    caption:
      'Inference time per image (ms, median over measurements of per-run medians) by configuration, batch size and machine, beside the paper\'s figure for the cross-attention model with CLIP ViT-B/32 (authors\' GPU server; hardware differs).',
    notes: exclusionNotes(excluded, null, inProgress),
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function hostOf(machine: unknown): string {
  const hostname = asRecord(machine).hostname;
  return typeof hostname === 'string' && hostname.length > 0 ? hostname : 'unknown';
}
