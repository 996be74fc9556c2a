import type { Client } from '@temporalio/client';
// A CommonJS module: its namespace is only reachable through the default export under Node's ESM loader.
import proto from '@temporalio/proto';
import { parseWorkerIdentity, type QueueWorker, type Workers } from '@agiqa/contracts';

/**
 * The workers polling each task queue of the deployment, from Temporal's task-queue description
 * (DescribeTaskQueue: pollers seen in the last minutes, with their identity and last poll). Engine
 * and device come from the identity workers set (`workerIdentity`).
 */
export async function describeWorkers(client: Client, queues: { cpu: string; gpu: readonly string[] }): Promise<Workers> {
  const wanted = [{ name: queues.cpu, kind: 'cpu' as const }, ...queues.gpu.map((name) => ({ name, kind: 'gpu' as const }))];
  return {
    queues: await Promise.all(wanted.map(async (queue) => ({ ...queue, workers: await queueWorkers(client, queue.name) }))),
  };
}

const { TaskQueueType } = proto.temporal.api.enums.v1;
const TYPES = [
  { type: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, polls: 'workflow' as const },
  { type: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, polls: 'activity' as const },
];

async function queueWorkers(client: Client, queue: string): Promise<QueueWorker[]> {
  const byIdentity = new Map<string, QueueWorker>();
  for (const { type, polls } of TYPES) {
    const described = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: queue }, taskQueueType: type });
    for (const poller of described.pollers ?? []) {
      const identity = poller.identity ?? '';
      const seen = poller.lastAccessTime ? timestampIso(poller.lastAccessTime) : null;
      const known = byIdentity.get(identity);
      if (known) {
        known.polls.push(polls);
        if (seen && (!known.lastAccessTime || seen > known.lastAccessTime)) known.lastAccessTime = seen;
        continue;
      }
      const self = parseWorkerIdentity(identity);
      byIdentity.set(identity, {
        identity,
        host: self.host ?? null,
        pid: self.pid ?? null,
        role: self.role ?? null,
        engine: self.engine ?? null,
        backend: self.backend ?? null,
        device: self.device ?? null,
        polls: [polls],
        lastAccessTime: seen,
      });
    }
  }
  return [...byIdentity.values()].sort((a, b) => (a.identity < b.identity ? -1 : 1));
}

function timestampIso(ts: { seconds?: unknown; nanos?: number | null }): string {
  const seconds = Number(ts.seconds ?? 0);
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}
