import type { Workers } from '@agiqa/contracts';
import { describeWorkers } from '@agiqa/orchestration';
import { Inject, Injectable } from '@nestjs/common';
import { API_ENV, type AgiqaEnv } from '../config.js';
import { TemporalService } from '../temporal/temporal.service.js';

/** The operator view: who polls the deployment's CPU queue and each of its GPU queues. */
@Injectable()
export class WorkersService {
  constructor(
    private readonly temporal: TemporalService,
    @Inject(API_ENV) private readonly env: AgiqaEnv,
  ) {}

  list(): Promise<Workers> {
    const gpu = this.env.AGIQA_GPU_QUEUES.split(',').map((q) => q.trim()).filter(Boolean);
    return this.temporal.call('listing workers', (client) => describeWorkers(client, { cpu: this.env.AGIQA_CPU_QUEUE, gpu }));
  }
}
