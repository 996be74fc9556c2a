import { RunComparisonSchema, RunDetailSchema, RunPredictionsSchema } from '@agiqa/contracts';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { Doc } from '../openapi/endpoint-doc.js';
import { CompareRunsQueryDto } from './runs.dto.js';
import { RunsService } from './runs.service.js';

@Controller('runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

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
  @Doc({ summary: 'A run: config, epoch metrics, attempts, backend, machine, split', response: { name: 'RunDetail', schema: RunDetailSchema } })
  get(@Param('id') id: string) {
    return this.runs.get(id);
  }

  @Get(':id/predictions')
  @Doc({ summary: 'The reported epoch\'s test predictions with their MOS', response: { name: 'RunPredictions', schema: RunPredictionsSchema } })
  predictions(@Param('id') id: string) {
    return this.runs.predictions(id);
  }
}
