import type { Db, PrismaClient } from '@agiqa/db';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';

/** Injection token of the `Db` the app was created with (`createDb` or `createTestDb`). */
export const DB = Symbol('Db');

/**
 * The API's handle on Postgres (ghostfolio's PrismaService). The connection is made before the
 * app starts and closed when it shuts down.
 */
@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  constructor(@Inject(DB) private readonly db: Db) {}

  get prisma(): PrismaClient {
    return this.db.prisma;
  }

  /** `pglite` or `postgres`, and the URL with any password masked. */
  describe(): { kind: Db['kind']; url: string } {
    return { kind: this.db.kind, url: this.db.url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@') };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
