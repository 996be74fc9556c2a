import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { createActivities } from './activities/index.js';
import { workflowSource } from './bundle.js';
import type { WorkerRole } from './config.js';

export interface AgiqaWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  role: WorkerRole;
  cpuQueue: string;
  /** The one GPU queue (device) this process trains for. */
  gpuQueue: string;
  activities: ReturnType<typeof createActivities>;
  /** Concurrent CPU activities (bookkeeping, splits, feature extraction). */
  cpuActivitySlots?: number;
  /** Workflow code; default: the prebuilt bundle or bundling `workflows/` now (see bundle.ts). */
  workflows?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'>;
  /** Grace period for running CPU activities on shutdown (they are cancelled after it, then retried elsewhere). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /**
   * Longest wait before a heartbeat reaches the server (the SDK otherwise waits up to 80 % of the
   * heartbeat timeout). Cancellation reaches an activity only with a heartbeat response, so this
   * bounds how long a cancelled training keeps running.
   */
  heartbeatThrottleMs?: number;
  identity?: string;
}

/**
 * The Temporal workers of one process. Role `cpu`: workflows and CPU activities on the CPU queue.
 * Role `gpu`: training on one GPU queue, one activity at a time (one training per device). Role
 * `all`: both, as the embedded stack runs it. On shutdown, CPU activities get a grace period;
 * training is cancelled at once and hands its cell back (`trainRun`).
 */
export async function createWorkers(options: AgiqaWorkerOptions): Promise<Worker[]> {
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    ...(options.heartbeatThrottleMs ? { maxHeartbeatThrottleInterval: options.heartbeatThrottleMs } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
  };
  const workers: Worker[] = [];
  if (options.role !== 'gpu') {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: options.cpuQueue,
        shutdownGraceTime: options.shutdownGraceTime ?? '10 seconds',
        ...(options.workflows ?? workflowSource()),
        activities: options.activities.cpu,
        maxConcurrentActivityTaskExecutions: options.cpuActivitySlots ?? 4,
      }),
    );
  }
  if (options.role !== 'cpu') {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: options.gpuQueue,
        // Training hands its cell back at once on shutdown (it resumes from its last checkpoint
        // elsewhere): waiting out a grace period would only delay the takeover.
        shutdownGraceTime: 0,
        activities: options.activities.gpu,
        maxConcurrentActivityTaskExecutions: 1,
      }),
    );
  }
  return workers;
}
