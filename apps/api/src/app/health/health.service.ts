import { transientReason, type Health } from '@agiqa/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRequire } from 'node:module';
import { API_INFO, type ApiInfo } from '../config.js';
import { DatabaseService } from '../database/database.service.js';
import { TemporalService } from '../temporal/temporal.service.js';
import { TokensService } from '../tokens/tokens.service.js';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Versions of what this process runs, read once. */
const RUNTIME_VERSIONS = {
  node: process.versions.node,
  nestjs: packageVersion('@nestjs/core'),
  temporalClient: packageVersion('@temporalio/client'),
  zod: packageVersion('zod'),
};

@Injectable()
export class HealthService {
  private readonly logger = new Logger('health');
  private readonly startedAt = Date.now();
  /** When the database stopped answering health checks, or null while it answers. */
  private databaseDownSince: number | null = null;

  constructor(
    private readonly database: DatabaseService,
    private readonly temporal: TemporalService,
    private readonly tokens: TokensService,
    @Inject(API_INFO) private readonly info: ApiInfo,
  ) {}

  /**
   * Checks the database and Temporal, and whether writes need a token, all at once (on the
   * embedded database each query waits its turn behind the others: one round of waiting, not
   * two); never throws, reports what is down and since when.
   */
  async check(): Promise<Health> {
    const [db, temporal, tokensAnswer] = await Promise.all([
      this.database.ping().then(
        () => null,
        (error: unknown) => transientReason(error) ?? lastLine(error instanceof Error ? error.message : String(error)),
      ),
      this.temporal.ping(),
      // Unknown (database down): assume tokens are required, the safe answer.
      this.tokens.tokensRequired().catch(() => true),
    ]);
    this.noteDatabase(db);
    const tokensRequired = db === null ? tokensAnswer : true;
    return {
      status: db === null && temporal.ok ? 'ok' : 'degraded',
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 100) / 10,
      database: {
        ok: db === null,
        ...this.database.describe(),
        error: db,
        unreachableSince: this.databaseDownSince === null ? null : new Date(this.databaseDownSince).toISOString(),
      },
      temporal: {
        ok: temporal.ok,
        address: temporal.address,
        namespace: temporal.namespace,
        serverVersion: temporal.serverVersion ?? null,
        error: temporal.error ?? null,
      },
      versions: { api: this.info.version, ...RUNTIME_VERSIONS },
      auth: { tokensRequiredForWrites: tokensRequired },
    };
  }

  /** Logs when the database stops and starts answering again (one line each). */
  private noteDatabase(error: string | null): void {
    if (error !== null && this.databaseDownSince === null) {
      this.databaseDownSince = Date.now();
      this.logger.warn(`the database does not answer: ${error}`);
    } else if (error === null && this.databaseDownSince !== null) {
      this.logger.log(`the database answers again after ${Math.round((Date.now() - this.databaseDownSince) / 1000)} s`);
      this.databaseDownSince = null;
    }
  }
}

/** Prisma puts the database's own words on the last line of its message. */
function lastLine(message: string): string {
  return message.trim().split('\n').filter(Boolean).at(-1)?.trim() ?? message;
}
