import { DatasetInspectionSchema, DatasetRowSchema } from '@agiqa/contracts';
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { Doc } from '../openapi/endpoint-doc.js';
import { InspectDatasetDto, RegisterDatasetDto } from './datasets.dto.js';
import { DatasetsService } from './datasets.service.js';

@Controller('datasets')
export class DatasetsController {
  constructor(private readonly datasets: DatasetsService) {}

  @Post()
  @Doc({
    summary: 'Register a dataset folder, whole or not at all',
    description: '400 lists every problem as `file:line:field`; 409 when the name is taken.',
    response: { name: 'DatasetRow', schema: DatasetRowSchema },
  })
  register(@Body() body: RegisterDatasetDto) {
    return this.datasets.register(body);
  }

  @Post('inspect')
  @HttpCode(200)
  @Doc({
    summary: 'Dry run of registration: every problem and the summary, nothing written',
    response: { name: 'DatasetInspection', schema: DatasetInspectionSchema },
  })
  inspect(@Body() body: InspectDatasetDto) {
    return this.datasets.inspect(body);
  }

  @Get()
  @Doc({ summary: 'List registered datasets', response: { name: 'DatasetList', schema: z.array(DatasetRowSchema) } })
  list() {
    return this.datasets.list();
  }

  @Get(':idOrName')
  @Doc({ summary: 'A registered dataset, by id or name', response: { name: 'DatasetRow', schema: DatasetRowSchema } })
  get(@Param('idOrName') idOrName: string) {
    return this.datasets.get(idOrName);
  }
}
