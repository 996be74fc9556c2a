import { z } from 'zod';
import { EpochMetricSchema, RunSummarySchema, SweepDetailSchema, SweepProgressSchema, SweepSummarySchema } from './api-responses.js';

/*
 * Live updates over server-sent events (`GET /api/sweeps/:id/events`, `GET /api/runs/:id/events`).
 * Each stream opens with a `snapshot` of what the page shows, then sends only what changed:
 * `runs` (the cells whose status, epoch or metrics moved), `sweep` (status, counts, progress),
 * `epochs` (new epoch rows of a run), and `end` once nothing more will change.
 */

export const SWEEP_EVENT_TYPES = ['snapshot', 'runs', 'sweep', 'end'] as const;
export const RUN_EVENT_TYPES = ['snapshot', 'run', 'epochs', 'end'] as const;

/** What a sweep is doing: `queued`, `extracting features` (cells running, no epoch yet), `training`, or its final status. */
export const SWEEP_PHASES = ['queued', 'extracting features', 'training', 'completed', 'failed', 'cancelled'] as const;
export type SweepPhase = (typeof SWEEP_PHASES)[number];

/** Progress beyond the counts: the phase and an ETA from the epochs trained so far. */
export const SweepLiveSchema = z.object({
  phase: z.enum(SWEEP_PHASES),
  /** Seconds left at the average epoch rate of this sweep so far; null before any epoch. */
  etaSeconds: z.number().nullable(),
});
export type SweepLive = z.infer<typeof SweepLiveSchema>;

/** The first event: the sweep, all its runs (cell order), its phase and ETA. */
export const SweepSnapshotEventSchema = SweepDetailSchema.extend({ runs: z.array(RunSummarySchema), live: SweepLiveSchema });
export type SweepSnapshotEvent = z.infer<typeof SweepSnapshotEventSchema>;

export const SweepRunsEventSchema = z.object({ runs: z.array(RunSummarySchema) });
export type SweepRunsEvent = z.infer<typeof SweepRunsEventSchema>;

export const SweepStateEventSchema = SweepSummarySchema.extend({ progress: SweepProgressSchema, live: SweepLiveSchema });
export type SweepStateEvent = z.infer<typeof SweepStateEventSchema>;

export const RunSnapshotEventSchema = z.object({ run: RunSummarySchema, epochs: z.array(EpochMetricSchema) });
export type RunSnapshotEvent = z.infer<typeof RunSnapshotEventSchema>;

export const RunEpochsEventSchema = z.object({ runId: z.string(), epochs: z.array(EpochMetricSchema) });
export type RunEpochsEvent = z.infer<typeof RunEpochsEventSchema>;
