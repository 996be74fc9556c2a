import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { CoreModule, type CoreDeps } from './core.module.js';
import { AgiqaExceptionFilter } from './errors/agiqa-exception.filter.js';
import { DatasetsModule } from './datasets/datasets.module.js';
import { HealthModule } from './health/health.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { RunsModule } from './runs/runs.module.js';
import { SchedulesModule } from './schedules/schedules.module.js';
import { SweepsModule } from './sweeps/sweeps.module.js';
import { TablesModule } from './tables/tables.module.js';
import { TokensModule } from './tokens/tokens.module.js';
import { WorkersModule } from './workers/workers.module.js';
import { ZodValidationPipe } from './validation/zod-dto.js';

/** The whole API: one module per domain, plus the global filter (errors) and pipe (validation). */
@Module({})
export class AppModule {
  static forRoot(deps: CoreDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(deps),
        TokensModule,
        HealthModule,
        DatasetsModule,
        SweepsModule,
        RunsModule,
        TablesModule,
        SchedulesModule,
        WorkersModule,
        OpenApiModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AgiqaExceptionFilter },
        { provide: APP_PIPE, useClass: ZodValidationPipe },
      ],
    };
  }
}
