import { HealthSchema } from '@agiqa/contracts';
import { Controller, Get } from '@nestjs/common';
import { Doc } from '../openapi/endpoint-doc.js';
import { HealthService } from './health.service.js';

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Doc({
    summary: 'Database and Temporal reachability, versions, and whether writes need a token',
    description: 'Always 200 while the API runs; `status` is `degraded` when a dependency does not answer.',
    response: { name: 'Health', schema: HealthSchema },
  })
  check() {
    return this.health.check();
  }
}
