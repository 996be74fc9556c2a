import { ArchiveResultSchema, DeleteResultSchema, RerunResultSchema, SweepDetailSchema, SweepListSchema, SweepRunsPageSchema, SweepSummarySchema } from '@agiqa/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Sse } from '@nestjs/common';
import { LiveService } from '../live/live.service.js';
import { Doc } from '../openapi/endpoint-doc.js';
import { CreateSweepDto, ListSweepRunsQueryDto, ListSweepsQueryDto } from './sweeps.dto.js';
import { SweepsService } from './sweeps.service.js';

@Controller('sweeps')
export class SweepsController {
  constructor(
    private readonly sweeps: SweepsService,
    private readonly live: LiveService,
  ) {}

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
  @Doc({
    summary: 'A sweep with its cells counted by status and its epoch progress',
    description: 'The cells themselves are paginated: `GET /api/sweeps/{id}/runs`.',
    response: { name: 'SweepDetail', schema: SweepDetailSchema },
  })
  get(@Param('id') id: string) {
    return this.sweeps.get(id);
  }

  @Sse(':id/events')
  @Doc({
    summary: 'Live updates of a sweep (server-sent events): snapshot, then changed runs and sweep state, then end',
    description:
      'Events: `snapshot` (the sweep with its runs, phase and ETA), `runs` (only the cells whose status, epoch or metrics changed), `sweep` (status, counts, progress, phase, ETA), `end`. Each API process reads changes from the database once a second per watched sweep, whatever the number of subscribers.',
  })
  events(@Param('id') id: string) {
    return this.live.sweepEvents(id);
  }

  @Post(':id/archive')
  @HttpCode(200)
  @Doc({ summary: 'Hide a sweep and its runs from the explorer (nothing is deleted)', response: { name: 'ArchiveResult', schema: ArchiveResultSchema } })
  archive(@Param('id') id: string) {
    return this.sweeps.archive(id, true);
  }

  @Post(':id/unarchive')
  @HttpCode(200)
  @Doc({ summary: 'Show an archived sweep again', response: { name: 'ArchiveResult', schema: ArchiveResultSchema } })
  unarchive(@Param('id') id: string) {
    return this.sweeps.archive(id, false);
  }

  @Delete(':id')
  @Doc({
    summary: 'Delete a finished sweep with its runs, epochs, predictions and artefacts',
    description: '409 while the sweep or any of its cells is pending or running (cancel it first).',
    response: { name: 'DeleteResult', schema: DeleteResultSchema },
  })
  remove(@Param('id') id: string) {
    return this.sweeps.remove(id);
  }

  @Get(':id/runs')
  @Doc({
    summary: 'A page of the sweep\'s cells (runs) in cellKey order, optionally of one status',
    description: '`limit` (1–500, default 100) and `offset`; `total` counts the cells matching `status`.',
    response: { name: 'SweepRunsPage', schema: SweepRunsPageSchema },
  })
  runs(@Param('id') id: string, @Query() query: ListSweepRunsQueryDto) {
    return this.sweeps.runs(id, query);
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
