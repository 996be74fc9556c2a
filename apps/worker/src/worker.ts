import { GracefulShutdownPeriodExpiredError, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { createActivities } from './activities/index.js';
import { workflowSource } from './bundle.js';
import type { WorkerRole } from './config.js';

const DEFAULT_CPU_GRACE_MS = 10_000;
const DEFAULT_FORCE_AFTER_GRACE_MS = 20_000;

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
  /** Grace period for running CPU activities on shutdown, ms (they are cancelled after it, then retried elsewhere). Default 10 s. */
  shutdownGraceMs?: number;
  /**
   * How long after the grace period an activity that ignores its cancellation (a native call that
   * never returns, say) may hold the shutdown, in ms; then `run()` throws
   * `GracefulShutdownPeriodExpiredError` and the process exits (main.ts). Default 20 s.
   */
  shutdownForceAfterGraceMs?: number;
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
 * training is cancelled at once and hands its cell back (`trainRun`). An activity that ignores its
 * cancellation holds the shutdown `shutdownForceAfterGraceMs` longer at most: then `run()` throws.
 */
export async function createWorkers(options: AgiqaWorkerOptions): Promise<Worker[]> {
  const cpuGraceMs = options.shutdownGraceMs ?? DEFAULT_CPU_GRACE_MS;
  const forceAfterMs = options.shutdownForceAfterGraceMs ?? DEFAULT_FORCE_AFTER_GRACE_MS;
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
        shutdownGraceTime: cpuGraceMs,
        shutdownForceTime: cpuGraceMs + forceAfterMs,
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
        shutdownForceTime: forceAfterMs,
        activities: options.activities.gpu,
        maxConcurrentActivityTaskExecutions: 1,
      }),
    );
  }
  return workers;
}

/**
 * Whether `run()` failed because the shutdown gave up on an activity that ignored its
 * cancellation: the SDK's GracefulShutdownPeriodExpiredError, which its own cleanup masks as an
 * IllegalStateError "Worker still in use" while that activity still holds the worker.
 */
export function isForcedShutdown(error: unknown): boolean {
  if (error instanceof GracefulShutdownPeriodExpiredError) return true;
  return error instanceof Error && error.name === 'IllegalStateError' && error.message.includes('Worker still in use');
}
