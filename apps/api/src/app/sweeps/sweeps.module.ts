import { Module } from '@nestjs/common';
import { LiveService } from '../live/live.service.js';
import { SweepsController } from './sweeps.controller.js';
import { SweepsService } from './sweeps.service.js';

/** Sweeps and the live updates of sweeps and runs (which start from a sweep's detail). */
@Module({ controllers: [SweepsController], providers: [SweepsService, LiveService], exports: [LiveService] })
export class SweepsModule {}
