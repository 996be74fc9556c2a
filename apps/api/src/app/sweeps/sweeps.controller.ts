import { RerunResultSchema, SweepDetailSchema, SweepListSchema, SweepSummarySchema } from '@agiqa/contracts';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Doc } from '../openapi/endpoint-doc.js';
import { CreateSweepDto, ListSweepsQueryDto } from './sweeps.dto.js';
import { SweepsService } from './sweeps.service.js';

@Controller('sweeps')
export class SweepsController {
  constructor(private readonly sweeps: SweepsService) {}

  @Post()
  @Doc({
    summary: 'Launch a grid: one run per cell (encoder × fusion × dataset × split repeat × seed) under a SweepWorkflow',
    description:
      'Unknown datasets are a 400 naming `datasets.<i>`. When Temporal is unreachable the answer is 503 and nothing is created (rows written before the failure are removed); retry later.',
    response: { name: 'SweepDetail', schema: SweepDetailSchema },
  })
  create(@Body() body: CreateSweepDto) {
    return this.sweeps.create(body);
  }

  @Get()
  @Doc({ summary: 'List sweeps, newest first, with run counts by status', response: { name: 'SweepList', schema: SweepListSchema } })
  list(@Query() query: ListSweepsQueryDto) {
    return this.sweeps.list(query);
  }

  @Get(':id')
  @Doc({ summary: 'A sweep with its runs and epoch progress', response: { name: 'SweepDetail', schema: SweepDetailSchema } })
  get(@Param('id') id: string) {
    return this.sweeps.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @Doc({
    summary: 'Cancel a running sweep (running cells stop within their heartbeat timeout)',
    description: '202: the cancellation is recorded; the sweep turns `cancelled` once its cells have stopped. 409 when it is not running.',
    response: { name: 'SweepSummary', schema: SweepSummarySchema },
  })
  cancel(@Param('id') id: string) {
    return this.sweeps.cancel(id);
  }

  @Post(':id/rerun-failed')
  @HttpCode(202)
  @Doc({
    summary: 'Re-run only the cells that failed or were cancelled; completed cells are kept',
    description: '409 while the sweep still runs or when no cell needs a re-run.',
    response: { name: 'RerunResult', schema: RerunResultSchema },
  })
  rerunFailed(@Param('id') id: string) {
    return this.sweeps.rerunFailed(id);
  }
}
