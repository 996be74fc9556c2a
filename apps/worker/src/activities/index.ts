import type { ActivityDeps } from './deps.js';
import { createClipIqaActivities } from './clip-iqa.activities.js';
import { createFeatureActivities } from './features.activities.js';
import { withFailureMapping } from './failures.js';
import { createLatencyActivities } from './latency.activities.js';
import { OutageLog } from './outage-log.js';
import { createRunActivities } from './run.activities.js';
import { createScheduleActivities } from './schedule.activities.js';
import { createSplitActivities } from './split.activities.js';
import { createSweepActivities } from './sweep.activities.js';
import { createTrainingActivities } from './training.activities.js';

export type { ActivityDeps, EncoderToolkit, RunMachine } from './deps.js';
export { MODEL_ENCODER_TOOLKIT } from './encoder-toolkit.js';

/**
 * Builds the worker's activities from their dependencies, split by task queue: `cpu` (database
 * bookkeeping, splits, feature extraction, zero-shot CLIP-IQA scoring, results) runs beside the workflows; `gpu` (training and
 * the latency of trained runs) runs on a GPU queue, one at a time per device.
 */
export function createActivities(deps: ActivityDeps) {
  const outages = new OutageLog(deps.log ?? (() => undefined));
  return {
    cpu: withFailureMapping(
      {
        ...createSweepActivities(deps),
        ...createScheduleActivities(deps),
        ...createRunActivities(deps),
        ...createSplitActivities(deps),
        ...createFeatureActivities(deps),
        ...createClipIqaActivities(deps),
      },
      outages,
    ),
    gpu: withFailureMapping({ ...createTrainingActivities(deps), ...createLatencyActivities(deps) }, outages),
    outages,
  };
}

export type CpuActivities = ReturnType<typeof createActivities>['cpu'];
export type GpuActivities = ReturnType<typeof createActivities>['gpu'];
