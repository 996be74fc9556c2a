import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

@Module({ imports: [TokensModule], controllers: [HealthController], providers: [HealthService] })
export class HealthModule {}
