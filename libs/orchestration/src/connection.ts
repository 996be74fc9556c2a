import { Client, Connection } from '@temporalio/client';
import { DEFAULT_TASK_QUEUES, type AgiqaEnv } from '@agiqa/contracts';
import { unavailable } from './errors.js';

/** The env fields a Temporal client needs (a parsed `EnvSchema` satisfies it). */
export type TemporalEnv = Pick<AgiqaEnv, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'AGIQA_CPU_QUEUE'>;

export interface TemporalHandle {
  client: Client;
  connection: Connection;
  namespace: string;
  /** Task queue the workflows run on (`AGIQA_CPU_QUEUE`). */
  cpuQueue: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Don't dial until the first call (a process can start while Temporal is still down). */
  lazy?: boolean;
  /** Give up on the first connection after this long. Default 5 s. */
  connectTimeoutMs?: number;
}

const cpuQueues = new WeakMap<Client, string>();

/**
 * Connects a Temporal client as configured by env. The helpers of this lib remember the CPU task
 * queue of a client made here, so callers never pass it. Unreachable → AgiqaError('unavailable').
 */
export async function connectTemporal(env: TemporalEnv, options: ConnectOptions = {}): Promise<TemporalHandle> {
  const connectionOptions = { address: env.TEMPORAL_ADDRESS, connectTimeout: options.connectTimeoutMs ?? 5_000 };
  let connection: Connection;
  try {
    connection = options.lazy ? Connection.lazy(connectionOptions) : await Connection.connect(connectionOptions);
  } catch (error) {
    throw unavailable(error instanceof Error ? error.message : String(error), env.TEMPORAL_ADDRESS);
  }
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  rememberCpuQueue(client, env.AGIQA_CPU_QUEUE);
  return {
    client,
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    cpuQueue: env.AGIQA_CPU_QUEUE,
    close: () => connection.close(),
  };
}

/** Records the task queue workflows started through `client` go to (done by `connectTemporal`). */
export function rememberCpuQueue(client: Client, queue: string): void {
  cpuQueues.set(client, queue);
}

/** The CPU task queue for `client`: explicit, else remembered, else the default name. */
export function cpuQueueOf(client: Client, explicit?: string): string {
  return explicit ?? cpuQueues.get(client) ?? DEFAULT_TASK_QUEUES.cpu;
}
