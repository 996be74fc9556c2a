import type { Client, WorkflowExecutionStatusName } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { AgiqaError, WORKFLOW_TYPES, workflowIds, type SweepWorkflowInput } from '@agiqa/contracts';
import { cpuQueueOf } from './connection.js';
import { temporalError } from './errors.js';

/** A sweep as stored (a Prisma `Sweep` row fits): which execution of its workflow is current. */
export interface SweepRef {
  id: string;
  /** 1 for the first execution, +1 per re-run (`Sweep.executions`). */
  executions: number;
}

/** The workflow id of a sweep's execution `execution` (1-based). */
export function sweepWorkflowId(sweepId: string, execution = 1): string {
  return workflowIds.sweep(sweepId, execution - 1);
}

export interface StartSweepOptions {
  sweepId: string;
  /** Only these cells (a re-run); omitted: every pending cell of the sweep. */
  runIds?: string[];
  /** Which execution this is (1 = first; `Sweep.executions` after a re-run bumped it). Default 1. */
  execution?: number;
  /** Default: the client's CPU queue (see `connectTemporal`). */
  taskQueue?: string;
}

export interface StartedSweep {
  sweepId: string;
  execution: number;
  workflowId: string;
  /** Temporal run id of the execution that now exists. */
  runId: string;
}

/**
 * Starts the SweepWorkflow of one sweep execution. Idempotent: the workflow id is derived from the
 * sweep id and execution number, so a second call (a retried API request) returns the execution the
 * first one started instead of running the grid twice.
 */
export async function startSweep(client: Client, options: StartSweepOptions): Promise<StartedSweep> {
  const execution = options.execution ?? 1;
  const workflowId = sweepWorkflowId(options.sweepId, execution);
  const input: SweepWorkflowInput = { sweepId: options.sweepId, ...(options.runIds ? { runIds: options.runIds } : {}) };
  try {
    const handle = await client.workflow.start(WORKFLOW_TYPES.sweep, {
      taskQueue: cpuQueueOf(client, options.taskQueue),
      workflowId,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return { sweepId: options.sweepId, execution, workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      // This execution ran before and has finished: report it rather than starting it again.
      const description = await client.workflow.getHandle(workflowId).describe();
      return { sweepId: options.sweepId, execution, workflowId, runId: description.runId };
    }
    throw temporalError(error, `sweep ${options.sweepId}`);
  }
}

export interface SweepWorkflowDescription {
  workflowId: string;
  runId: string;
  status: WorkflowExecutionStatusName;
  running: boolean;
  startTime: string;
  closeTime: string | null;
  historyLength: number;
}

/**
 * The Temporal side of a sweep's current execution, or null when Temporal has no such workflow
 * (never started, or past the namespace's retention).
 */
export async function describeSweepWorkflow(client: Client, sweep: SweepRef): Promise<SweepWorkflowDescription | null> {
  const workflowId = sweepWorkflowId(sweep.id, sweep.executions);
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return {
      workflowId,
      runId: d.runId,
      status: d.status.name,
      running: d.status.name === 'RUNNING',
      startTime: d.startTime.toISOString(),
      closeTime: d.closeTime ? d.closeTime.toISOString() : null,
      historyLength: d.historyLength,
    };
  } catch (error) {
    const mapped = temporalError(error, `sweep ${sweep.id}`);
    if (mapped.code === 'not_found') return null;
    throw mapped;
  }
}

/**
 * Requests cancellation of a sweep's current execution. The workflow cancels its running cells
 * (they stop within their heartbeat timeout), marks unstarted cells cancelled and ends `cancelled`.
 * Returns once the request is recorded, not when the cells have stopped.
 * Not running → AgiqaError('conflict').
 */
export async function cancelSweep(client: Client, sweep: SweepRef): Promise<{ workflowId: string }> {
  const description = await describeSweepWorkflow(client, sweep);
  if (!description?.running) {
    const state = description ? description.status.toLowerCase() : 'never started';
    throw new AgiqaError('conflict', `sweep ${sweep.id} is not running (workflow ${sweepWorkflowId(sweep.id, sweep.executions)}: ${state})`);
  }
  try {
    await client.workflow.getHandle(description.workflowId).cancel();
  } catch (error) {
    throw temporalError(error, `sweep ${sweep.id}`);
  }
  return { workflowId: description.workflowId };
}
