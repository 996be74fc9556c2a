/**
 * Readiness of the stack's processes, each through its own protocol. A log line alone can be
 * printed by a process that is about to exit, or match text inside an error message: the
 * gateway's "data folder is in use … DATABASE_URL=postgres://…" once made `agiqa up` report a
 * database that never started. A probe resolves to null when the component answers, or to what
 * happened instead.
 */
import { Connection } from '@temporalio/client';
// A CommonJS module: Node's ESM loader sees only its default export (vitest's transform hid this).
import proto from '@temporalio/proto';

const { grpc, temporal } = proto;

/** null: ready; otherwise why not (yet). */
export type Probe = () => Promise<string | null>;

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

/** Runs `fn` on a fresh connection to the Temporal frontend at `address`, then closes it. */
async function withTemporal<T>(address: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    return await fn(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** The Temporal frontend answers the gRPC health check with SERVING. */
export function temporalProbe(address: string): Probe {
  return async () => {
    try {
      const { status } = await withTemporal(address, (c) => c.healthService.check({}));
      return status === grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING ? null : `Temporal health check: status ${String(status)}`;
    } catch (error) {
      return `Temporal does not answer at ${address}: ${firstLine(error)}`;
    }
  };
}

/** A real query (`SELECT 1`) through the database URL answers. */
export function databaseProbe(url: string): Probe {
  return async () => {
    const { createDb } = await import('@agiqa/db');
    try {
      const db = await createDb({ url });
      try {
        await db.prisma.$queryRawUnsafe('SELECT 1');
        return null;
      } finally {
        await db.close();
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return `no answer to SELECT 1: ${message.trim().split('\n').at(-1)}`;
    }
  };
}

/**
 * The worker process `pid` polls `taskQueue`: Temporal lists a poller whose identity is the
 * worker's (`<pid>@<host>`, the SDK's default).
 */
export function workerProbe(address: string, namespace: string, taskQueue: string, pid: number): Probe {
  return async () => {
    try {
      const { pollers } = await withTemporal(address, (c) =>
        c.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name: taskQueue },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      const polling = (pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
      return polling ? null : `no poller of process ${pid} on task queue ${taskQueue} yet`;
    } catch (error) {
      return `cannot ask Temporal about task queue ${taskQueue}: ${firstLine(error)}`;
    }
  };
}

/** `GET <apiUrl>/api/health` answers 200 with the database and Temporal reachable. */
export function apiProbe(apiUrl: string): Probe {
  return async () => {
    try {
      const response = await fetch(`${apiUrl}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (response.status !== 200) return `/api/health answered ${response.status}`;
      const health = (await response.json()) as { database?: { ok?: boolean; error?: string | null }; temporal?: { ok?: boolean; error?: string | null } };
      if (!health.database?.ok) return `/api/health: the database does not answer (${health.database?.error ?? 'no reason'})`;
      if (!health.temporal?.ok) return `/api/health: Temporal does not answer (${health.temporal?.error ?? 'no reason'})`;
      return null;
    } catch (error) {
      return `/api/health does not answer: ${firstLine(error)}`;
    }
  };
}
