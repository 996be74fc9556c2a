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
   * Checks the database and Temporal at once, each timed; never throws, reports what is down and
   * since when. The database check is one query that also says whether writes need a token.
   */
  async check(): Promise<Health> {
    const [db, temporal] = await Promise.all([this.checkDatabase(), timed(() => this.temporal.ping())]);
    this.noteDatabase(db.error);
    return {
      status: db.error === null && temporal.answer.ok ? 'ok' : 'degraded',
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 100) / 10,
      database: {
        ok: db.error === null,
        ...this.database.describe(),
        error: db.error,
        unreachableSince: this.databaseDownSince === null ? null : new Date(this.databaseDownSince).toISOString(),
        latencyMs: db.latencyMs,
      },
      temporal: {
        ok: temporal.answer.ok,
        address: temporal.answer.address,
        namespace: temporal.answer.namespace,
        serverVersion: temporal.answer.serverVersion ?? null,
        error: temporal.answer.error ?? null,
        latencyMs: temporal.latencyMs,
      },
      versions: { api: this.info.version, ...RUNTIME_VERSIONS },
      auth: { tokensRequiredForWrites: db.tokensRequired },
    };
  }

  /**
   * One round trip: counting the live tokens proves the database answers (on the embedded
   * database every query waits its turn in one queue, so a second query would double the wait).
   * While it does not answer, tokens are assumed required: the safe answer.
   */
  private async checkDatabase(): Promise<{ error: string | null; tokensRequired: boolean; latencyMs: number }> {
    const { answer, latencyMs } = await timed(() =>
      this.tokens.tokensRequiredAskingDatabase().then(
        (tokensRequired) => ({ error: null, tokensRequired }),
        (error: unknown) => ({ error: transientReason(error) ?? lastLine(error instanceof Error ? error.message : String(error)), tokensRequired: true }),
      ),
    );
    return { ...answer, latencyMs };
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

/** Runs a check that never throws and says how long it took (ms, 0.1 ms resolution). */
async function timed<T>(check: () => Promise<T>): Promise<{ answer: T; latencyMs: number }> {
  const started = performance.now();
  const answer = await check();
  return { answer, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
}

/** Prisma puts the database's own words on the last line of its message. */
function lastLine(message: string): string {
  return message.trim().split('\n').filter(Boolean).at(-1)?.trim() ?? message;
}
