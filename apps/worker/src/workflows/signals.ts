import { defineSignal } from '@temporalio/workflow';

/** What a RunWorkflow tells its sweep when it ends, whichever execution of the sweep is current. */
export interface CellFinished {
  runId: string;
  attempt: number;
}

/**
 * Sent by a RunWorkflow to its parent's workflow id (not run id) when it ends: after the sweep
 * continued as new, the signal reaches the execution that carried the cell over.
 */
export const cellFinished = defineSignal<[CellFinished]>('cellFinished');
