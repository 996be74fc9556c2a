import { WorkersSchema } from '@agiqa/contracts';
import { Controller, Get } from '@nestjs/common';
import { Doc } from '../openapi/endpoint-doc.js';
import { WorkersService } from './workers.service.js';

@Controller('workers')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get()
  @Doc({
    summary: 'The workers polling each task queue, with their engine and device',
    description: "From Temporal's task-queue description (pollers seen in the last minutes). 503 when Temporal is down.",
    response: { name: 'Workers', schema: WorkersSchema },
  })
  list() {
    return this.workers.list();
  }
}
