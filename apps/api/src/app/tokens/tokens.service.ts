import { AgiqaError, conflict, notFound, type AgiqaEnv, type ApiTokenRow, type CreatedApiToken } from '@agiqa/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_ENV } from '../config.js';
import { DatabaseService } from '../database/database.service.js';
import type { CreateTokenDto } from './tokens.dto.js';

/** Prefix that makes a leaked token recognisable (secret scanners, logs). */
const TOKEN_PREFIX = 'agiqa_';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * API tokens: created once (the secret is shown only then), stored as sha256, revoked instead of
 * deleted so that the list keeps their history.
 */
@Injectable()
export class TokensService {
  constructor(
    private readonly database: DatabaseService,
    @Inject(API_ENV) private readonly env: AgiqaEnv,
  ) {}

  async create(body: CreateTokenDto): Promise<CreatedApiToken> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const prisma = this.database.prisma;
    if (await prisma.apiToken.findUnique({ where: { name: body.name } })) {
      throw conflict(`an API token named "${body.name}" already exists (revoked tokens keep their names); pick another name`);
    }
    const row = await prisma.apiToken.create({ data: { name: body.name, tokenHash: sha256(token).toString('hex') } });
    return { ...toRow(row), token };
  }

  async list(): Promise<ApiTokenRow[]> {
    const rows = await this.database.prisma.apiToken.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map(toRow);
  }

  /** Revokes a token; revoking a revoked one is a no-op. */
  async revoke(id: string): Promise<ApiTokenRow> {
    const prisma = this.database.prisma;
    const row = await prisma.apiToken.findUnique({ where: { id } });
    if (!row) throw notFound(`no API token with id ${id}`);
    if (row.revokedAt) return toRow(row);
    return toRow(await prisma.apiToken.update({ where: { id }, data: { revokedAt: new Date() } }));
  }

  /** Writes need a token once AGIQA_API_TOKEN is set or any token that is not revoked exists. */
  async tokensRequired(): Promise<boolean> {
    if (this.env.AGIQA_API_TOKEN !== undefined) return true;
    return (await this.liveStoredTokens()) > 0;
  }

  /**
   * The same answer, always asking the database: health takes this query as its database ping, so
   * that a probe waits for one turn of the embedded database's queue, not two.
   */
  async tokensRequiredAskingDatabase(): Promise<boolean> {
    const stored = await this.liveStoredTokens();
    return this.env.AGIQA_API_TOKEN !== undefined || stored > 0;
  }

  private liveStoredTokens(): Promise<number> {
    return this.database.prisma.apiToken.count({ where: { revokedAt: null } });
  }

  /** Accepts AGIQA_API_TOKEN or a stored token that is not revoked; throws `unauthorized` otherwise. */
  async verify(presented: string): Promise<void> {
    const digest = sha256(presented);
    const envToken = this.env.AGIQA_API_TOKEN;
    if (envToken !== undefined && timingSafeEqual(digest, sha256(envToken))) return;
    const prisma = this.database.prisma;
    const row = await prisma.apiToken.findUnique({ where: { tokenHash: digest.toString('hex') } });
    if (!row || row.revokedAt) throw new AgiqaError('unauthorized', 'the bearer token is not valid (unknown or revoked)');
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
}

function toRow(row: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }): ApiTokenRow {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
