import type { AgiqaEnv } from '@agiqa/contracts';
import type { Db } from '@agiqa/db';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { API_ENV, API_INFO, type ApiInfo } from './config.js';
import { DatabaseService, DB } from './database/database.service.js';
import { LIVE_INTERVAL_MS } from './live/live.service.js';
import { TEMPORAL_CONNECTOR, TemporalService, type TemporalConnector } from './temporal/temporal.service.js';

/** What the app is built from; `main.ts` makes these from the environment, tests from test servers. */
export interface CoreDeps {
  env: AgiqaEnv;
  db: Db;
  temporal: TemporalConnector;
  info: ApiInfo;
  /** How often live streams read changes from the database (ms, default 1000); tests shorten it. */
  liveIntervalMs?: number;
}

/** The process-wide collaborators every domain module uses: env, database, Temporal. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(deps: CoreDeps): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: API_ENV, useValue: deps.env },
        { provide: API_INFO, useValue: deps.info },
        { provide: DB, useValue: deps.db },
        { provide: TEMPORAL_CONNECTOR, useValue: deps.temporal },
        { provide: LIVE_INTERVAL_MS, useValue: deps.liveIntervalMs ?? 1000 },
        DatabaseService,
        TemporalService,
      ],
      exports: [API_ENV, API_INFO, LIVE_INTERVAL_MS, DatabaseService, TemporalService],
    };
  }
}
