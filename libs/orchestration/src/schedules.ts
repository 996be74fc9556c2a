import { ScheduleAlreadyRunning, type Client, type ScheduleDescription, type ScheduleOverlapPolicy } from '@temporalio/client';
import {
  AgiqaError,
  invalidInput,
  WORKFLOW_TYPES,
  workflowIds,
  type ScheduledSweepInput,
  SCHEDULE_OVERLAP_POLICIES,
} from '@agiqa/contracts';
import { cpuQueueOf } from './connection.js';
import { temporalError } from './errors.js';

export type ScheduleOverlap = (typeof SCHEDULE_OVERLAP_POLICIES)[number];

/** Our overlap names (API bodies, `Schedule.overlap`) → Temporal's. */
const OVERLAP_POLICIES: Record<ScheduleOverlap, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  buffer_one: 'BUFFER_ONE',
  allow_all: 'ALLOW_ALL',
  cancel_other: 'CANCEL_OTHER',
};

/** The Temporal schedule id of a `Schedule` row. */
export function temporalScheduleId(scheduleId: string): string {
  return workflowIds.schedule(scheduleId);
}

export interface CreateSweepScheduleOptions {
  /** Id of the `Schedule` row (holds the grid); each firing creates a sweep linked to it. */
  scheduleId: string;
  /** Cron expression, UTC (e.g. `0 3 * * 1`). Exactly one of cron / intervalSeconds. */
  cron?: string;
  intervalSeconds?: number;
  /** What happens when a firing comes while the previous sweep still runs. Default `skip`. */
  overlap?: ScheduleOverlap;
  paused?: boolean;
  note?: string;
  /** Default: the client's CPU queue (see `connectTemporal`). */
  taskQueue?: string;
}

/**
 * Creates the Temporal Schedule for a retraining schedule. Each firing starts
 * `ScheduledSweepWorkflow({ scheduleId })` with workflow id `schedule-<id>-<time>`, which creates a
 * sweep of the schedule's grid linked to it and runs it. Returns the Temporal schedule id to store
 * in `Schedule.temporalScheduleId`. Bad spec → invalid_input naming `cron` / `intervalSeconds`;
 * existing id → conflict.
 */
export async function createSweepSchedule(client: Client, options: CreateSweepScheduleOptions): Promise<{ temporalScheduleId: string }> {
  const { cron, intervalSeconds } = options;
  if ((cron === undefined) === (intervalSeconds === undefined)) {
    throw invalidInput('give exactly one of cron or intervalSeconds', [{ path: 'cron', message: 'give exactly one of cron or intervalSeconds' }]);
  }
  if (intervalSeconds !== undefined && !(Number.isInteger(intervalSeconds) && intervalSeconds > 0)) {
    throw invalidInput(`intervalSeconds must be a positive integer, got ${intervalSeconds}`, [
      { path: 'intervalSeconds', message: 'must be a positive integer' },
    ]);
  }
  const scheduleTemporalId = temporalScheduleId(options.scheduleId);
  const input: ScheduledSweepInput = { scheduleId: options.scheduleId };
  try {
    await client.schedule.create({
      scheduleId: scheduleTemporalId,
      spec: cron !== undefined ? { cronExpressions: [cron] } : { intervals: [{ every: `${intervalSeconds} seconds` }] },
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPES.scheduledSweep,
        workflowId: scheduleTemporalId,
        taskQueue: cpuQueueOf(client, options.taskQueue),
        args: [input],
      },
      policies: { overlap: OVERLAP_POLICIES[options.overlap ?? 'skip'] },
      state: { paused: options.paused ?? false, ...(options.note ? { note: options.note } : {}) },
    });
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) {
      throw new AgiqaError('conflict', `schedule ${options.scheduleId} exists already in Temporal (${scheduleTemporalId})`);
    }
    // The SDK checks the cron shape itself (TypeError); the server checks field ranges (INVALID_ARGUMENT).
    const mapped = error instanceof TypeError ? invalidInput(error.message) : temporalError(error, `schedule ${options.scheduleId}`);
    if (mapped.code === 'invalid_input' && cron !== undefined) {
      throw invalidInput(`invalid cron expression "${cron}": ${mapped.message}`, [{ path: 'cron', message: mapped.message }]);
    }
    throw mapped;
  }
  return { temporalScheduleId: scheduleTemporalId };
}

export interface ScheduleState {
  temporalScheduleId: string;
  paused: boolean;
  note: string | null;
  overlap: ScheduleOverlap | null;
  /** Upcoming firings (ISO times). */
  nextActionTimes: string[];
  /** Recent firings, newest last: the ScheduledSweepWorkflow each started. */
  recentActions: { workflowId: string; scheduledAt: string; takenAt: string }[];
  /** Workflow ids of firings still running. */
  runningWorkflowIds: string[];
  actionsTaken: number;
  skippedOverlap: number;
}

/** What Temporal knows about a retraining schedule. Missing → not_found. */
export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleState> {
  const id = temporalScheduleId(scheduleId);
  let d: ScheduleDescription;
  try {
    d = await client.schedule.getHandle(id).describe();
  } catch (error) {
    throw temporalError(error, `schedule ${scheduleId}`);
  }
  const overlap = (Object.keys(OVERLAP_POLICIES) as ScheduleOverlap[]).find((k) => OVERLAP_POLICIES[k] === d.policies.overlap);
  return {
    temporalScheduleId: id,
    paused: d.state.paused,
    note: d.state.note ?? null,
    overlap: overlap ?? null,
    nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentActions: d.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
    })),
    runningWorkflowIds: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
  };
}

/** Stops firings until unpaused (a running sweep goes on). */
export async function pauseSchedule(client: Client, scheduleId: string, note = 'paused by agiqa'): Promise<void> {
  await onSchedule(scheduleId, () => client.schedule.getHandle(temporalScheduleId(scheduleId)).pause(note));
}

export async function unpauseSchedule(client: Client, scheduleId: string, note = 'resumed by agiqa'): Promise<void> {
  await onSchedule(scheduleId, () => client.schedule.getHandle(temporalScheduleId(scheduleId)).unpause(note));
}

/**
 * Fires the schedule now, also while paused. An explicit trigger runs even when a sweep of the
 * schedule is still running (overlap `allow_all`) unless `overlap` says otherwise.
 */
export async function triggerSchedule(client: Client, scheduleId: string, overlap: ScheduleOverlap = 'allow_all'): Promise<void> {
  await onSchedule(scheduleId, () => client.schedule.getHandle(temporalScheduleId(scheduleId)).trigger(OVERLAP_POLICIES[overlap]));
}

/** Deletes the Temporal schedule; sweeps it created stay. */
export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  await onSchedule(scheduleId, () => client.schedule.getHandle(temporalScheduleId(scheduleId)).delete());
}

async function onSchedule(scheduleId: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    throw temporalError(error, `schedule ${scheduleId}`);
  }
}
