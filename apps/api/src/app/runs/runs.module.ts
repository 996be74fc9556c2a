import { Module } from '@nestjs/common';
import { SweepsModule } from '../sweeps/sweeps.module.js';
import { RunsController } from './runs.controller.js';
import { RunsService } from './runs.service.js';

@Module({ imports: [SweepsModule], controllers: [RunsController], providers: [RunsService] })
export class RunsModule {}
