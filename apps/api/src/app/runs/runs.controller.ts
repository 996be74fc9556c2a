import {
  ArchiveResultSchema,
  ComparisonSchema,
  DeleteResultSchema,
  EpochPageSchema,
  RunComparisonSchema,
  RunDetailSchema,
  RunListSchema,
  RunPredictionsSchema,
  RunRowSchema,
} from '@agiqa/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res, Sse } from '@nestjs/common';
import type { Response } from 'express';
import { LiveService } from '../live/live.service.js';
import { Doc } from '../openapi/endpoint-doc.js';
import { CompareBodyDto, CompareRunsQueryDto, ListEpochsQueryDto, ListPredictionsQueryDto, ListRunsQueryDto, UpdateRunDto } from './runs.dto.js';
import { RunsService } from './runs.service.js';

@Controller('runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly live: LiveService,
  ) {}

  @Get()
  @Doc({
    summary: 'Runs across sweeps: filter by any field (config.<path> included), sort (numbers as numbers), group by fields with mean ± std and n',
    description:
      '`filter` (repeatable): `field=value` (a|b: any of), `!=`, `>`, `>=`, `<`, `<=` (numbers, dates), `~` (contains). `sort`: comma-separated fields, `-` for descending. `groupBy`: comma-separated fields; the answer then lists `groups` instead of `items`. Archived runs are left out unless `archived=include|only`.',
    response: { name: 'RunList', schema: RunListSchema },
  })
  list(@Query() query: ListRunsQueryDto) {
    return this.runs.list(query);
  }

  @Post('compare')
  @HttpCode(200)
  @Doc({
    summary: 'Compare any number of runs, by id or as an explorer query (one series per group with groupBy)',
    description: 'Series with mean ± std and n, the runs as parallel-coordinates points, mean learning curves, and pairwise Welch tests of SRCC with Holm\'s correction.',
    response: { name: 'Comparison', schema: ComparisonSchema },
  })
  compareMany(@Body() body: CompareBodyDto) {
    return this.runs.compareMany(body);
  }

  // Declared before `:id` so that "compare" is not taken for a run id.
  @Get('compare')
  @Doc({
    summary: 'Compare runs: metrics side by side, learning curves, significance of each SRCC against the first run',
    description: 'Steiger\'s test when both runs predicted the same test items, Fisher\'s z test otherwise.',
    response: { name: 'RunComparison', schema: RunComparisonSchema },
  })
  compare(@Query() query: CompareRunsQueryDto) {
    return this.runs.compare(query.ids);
  }

  @Get(':id')
  @Doc({
    summary: 'A run: config, attempts, backend, machine, split',
    description: 'Its learning curve is paginated: `GET /api/runs/{id}/epochs`.',
    response: { name: 'RunDetail', schema: RunDetailSchema },
  })
  get(@Param('id') id: string) {
    return this.runs.get(id);
  }

  @Patch(':id')
  @Doc({ summary: "Set a run's tags and note", response: { name: 'RunRow', schema: RunRowSchema } })
  update(@Param('id') id: string, @Body() body: UpdateRunDto) {
    return this.runs.update(id, body);
  }

  @Post(':id/archive')
  @HttpCode(200)
  @Doc({ summary: 'Hide a run from the explorer (nothing is deleted)', response: { name: 'ArchiveResult', schema: ArchiveResultSchema } })
  archive(@Param('id') id: string) {
    return this.runs.archive(id, true);
  }

  @Post(':id/unarchive')
  @HttpCode(200)
  @Doc({ summary: 'Show an archived run again', response: { name: 'ArchiveResult', schema: ArchiveResultSchema } })
  unarchive(@Param('id') id: string) {
    return this.runs.archive(id, false);
  }

  @Delete(':id')
  @Doc({
    summary: 'Delete a run with its epochs, predictions, attempts and artefacts',
    description: '409 while it is pending or running (cancel its sweep first).',
    response: { name: 'DeleteResult', schema: DeleteResultSchema },
  })
  remove(@Param('id') id: string) {
    return this.runs.remove(id);
  }

  @Sse(':id/events')
  @Doc({ summary: 'Live updates of a run (server-sent events): snapshot, then run and epochs as they change, then end' })
  events(@Param('id') id: string) {
    return this.live.runEvents(id);
  }

  @Get(':id/predictions.csv')
  @Doc({ summary: "The reported epoch's test predictions as CSV (key, generator, prompt, predicted, mos)" })
  async predictionsCsv(@Param('id') id: string, @Res({ passthrough: true }) response: Response) {
    const csv = await this.runs.predictionsCsv(id);
    // Set once the CSV exists (not with @Header): an unknown run's 404 goes out as the JSON it is.
    response.type('text/csv; charset=utf-8');
    return csv;
  }

  @Get(':id/epochs')
  @Doc({
    summary: 'A page of the run\'s epoch metrics in epoch order',
    description: '`limit` (1–1000, default 1000) and `offset`. A number that was not finite (a diverged epoch) is null.',
    response: { name: 'EpochPage', schema: EpochPageSchema },
  })
  epochs(@Param('id') id: string, @Query() query: ListEpochsQueryDto) {
    return this.runs.epochs(id, query);
  }

  @Get(':id/predictions')
  @Doc({
    summary: 'A page of the reported epoch\'s test predictions with their MOS, in dataset order',
    description: '`limit` (1–1000, default 1000) and `offset`. A value that is not finite is null.',
    response: { name: 'RunPredictions', schema: RunPredictionsSchema },
  })
  predictions(@Param('id') id: string, @Query() query: ListPredictionsQueryDto) {
    return this.runs.predictions(id, query);
  }
}
