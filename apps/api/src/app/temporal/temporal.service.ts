import { AgiqaError } from '@agiqa/contracts';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { toAgiqaError } from '../errors/error-mapping.js';

/** An open Temporal client and how to close what it owns. */
export interface TemporalHandle {
  client: Client;
  close(): Promise<void>;
}

/** How the API reaches Temporal: `connectTemporal(env)` in production, a test server's client in tests. */
export interface TemporalConnector {
  /** `host:port`, for messages and health. */
  address: string;
  namespace: string;
  connect(): Promise<TemporalHandle>;
}

/** Health must answer quickly even when Temporal hangs. */
const PING_TIMEOUT_MS = 3_000;

/** Injection token of the `TemporalConnector`. */
export const TEMPORAL_CONNECTOR = Symbol('TemporalConnector');

/**
 * Connects to Temporal on first use rather than at boot, so the API serves reads (and reports the
 * outage in health) while Temporal is down; a failed connection is retried on the next call.
 */
@Injectable()
export class TemporalService implements OnApplicationShutdown {
  private readonly logger = new Logger('temporal');
  private handle: Promise<TemporalHandle> | null = null;

  constructor(@Inject(TEMPORAL_CONNECTOR) private readonly connector: TemporalConnector) {}

  get address(): string {
    return this.connector.address;
  }

  /** The client, connecting if needed; `unavailable` when Temporal cannot be reached. */
  async client(): Promise<Client> {
    this.handle ??= this.connector.connect();
    try {
      return (await this.handle).client;
    } catch (error) {
      this.handle = null;
      // connectTemporal already says what is unreachable and how to start it.
      if (error instanceof AgiqaError && error.code === 'unavailable') throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new AgiqaError(
        'unavailable',
        `Temporal at ${this.connector.address} (namespace ${this.connector.namespace}) is not reachable: ${reason}. Start the stack with \`agiqa up\` or set TEMPORAL_ADDRESS.`,
      );
    }
  }

  /**
   * Runs a call against Temporal and reads its failure into the error vocabulary (an unreachable
   * server is `unavailable`, a missing workflow or schedule `not_found`).
   */
  async call<T>(what: string, fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      return await fn(client);
    } catch (error) {
      const known = toAgiqaError(error);
      if (known?.code === 'unavailable') {
        throw new AgiqaError('unavailable', `${what}: Temporal at ${this.connector.address} is not reachable (${known.message})`);
      }
      throw known ?? error;
    }
  }

  /** Reachability and server version, for health. Never throws. */
  async ping(): Promise<{ ok: boolean; address: string; namespace: string; serverVersion?: string; error?: string }> {
    const base = { address: this.connector.address, namespace: this.connector.namespace };
    try {
      const client = await this.client();
      const info = await client.connection.withDeadline(Date.now() + PING_TIMEOUT_MS, () =>
        client.workflowService.getClusterInfo({}),
      );
      return { ok: true, ...base, serverVersion: info.serverVersion || undefined };
    } catch (error) {
      return { ok: false, ...base, error: error instanceof Error ? error.message : String(error) };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (!handle) return;
    try {
      await (await handle).close();
    } catch (error) {
      this.logger.warn(`closing the Temporal connection: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
