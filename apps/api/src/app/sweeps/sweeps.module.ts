import { Module } from '@nestjs/common';
import { SweepsController } from './sweeps.controller.js';
import { SweepsService } from './sweeps.service.js';

@Module({ controllers: [SweepsController], providers: [SweepsService] })
export class SweepsModule {}
