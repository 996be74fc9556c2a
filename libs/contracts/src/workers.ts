import { z } from 'zod';

/**
 * What a worker process says about itself in its Temporal identity, so that the operator view
 * (`agiqa workers`, the dashboard's settings page) can list engine and device per worker from
 * Temporal's task-queue description alone, with no registry of its own:
 *
 *   `4711@gpu-node-3 role=gpu engine=tfjs backend=wasm device=cpu`
 *
 * The first word is the SDK's default identity (`<pid>@<host>`); `key=value` words follow.
 */
export interface WorkerSelf {
  pid: number;
  host: string;
  role: string;
  /** Training engines, the one trainer `auto` picks first (`torch,tfjs`, `tfjs`); `none` for a CPU-only worker. */
  engine: string;
  /** tfjs backend (`wasm`, `tensorflow-gpu`) or torch build (`torch-cpu`, `torch-cuda`) of the first engine. */
  backend?: string;
  /** Where the first engine computes: `cpu`, or `cuda:N` (the host's GPU index). */
  device?: string;
}

export function workerIdentity(self: WorkerSelf): string {
  const words = [`${self.pid}@${self.host}`, `role=${self.role}`, `engine=${self.engine}`];
  if (self.backend) words.push(`backend=${self.backend}`);
  if (self.device) words.push(`device=${self.device}`);
  return words.map((w) => w.replace(/\s+/g, '_')).join(' ');
}

/** Reads an identity written by `workerIdentity`; other identities keep only what they say. */
export function parseWorkerIdentity(identity: string): Partial<WorkerSelf> & { identity: string } {
  const [first = '', ...rest] = identity.trim().split(/\s+/);
  const at = first.indexOf('@');
  const pid = Number(first.slice(0, at));
  const fields = Object.fromEntries(rest.filter((w) => w.includes('=')).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return {
    identity,
    ...(at > 0 && Number.isInteger(pid) ? { pid, host: first.slice(at + 1) } : {}),
    ...(fields.role ? { role: fields.role } : {}),
    ...(fields.engine ? { engine: fields.engine } : {}),
    ...(fields.backend ? { backend: fields.backend } : {}),
    ...(fields.device ? { device: fields.device } : {}),
  };
}

/** One worker polling a task queue, as Temporal last saw it. */
export const QueueWorkerSchema = z.object({
  identity: z.string(),
  host: z.string().nullable(),
  pid: z.number().int().nullable(),
  role: z.string().nullable(),
  engine: z.string().nullable(),
  backend: z.string().nullable(),
  device: z.string().nullable(),
  /** What it polls this queue for. */
  polls: z.array(z.enum(['workflow', 'activity'])),
  /** ISO time of its last poll. */
  lastAccessTime: z.string().nullable(),
});
export type QueueWorker = z.infer<typeof QueueWorkerSchema>;

/** `GET /api/workers`: the task queues of the deployment and the workers polling each. */
export const WorkersSchema = z.object({
  queues: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['cpu', 'gpu']),
      workers: z.array(QueueWorkerSchema),
    }),
  ),
});
export type Workers = z.infer<typeof WorkersSchema>;
