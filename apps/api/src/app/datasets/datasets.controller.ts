import { ArchiveResultSchema, DatasetInspectionSchema, DatasetItemPageSchema, DatasetMosSchema, DatasetRowSchema, DeleteResultSchema } from '@agiqa/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { Doc } from '../openapi/endpoint-doc.js';
import { DatasetItemsQueryDto, InspectDatasetDto, RegisterDatasetDto } from './datasets.dto.js';
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

  @Get(':idOrName/items')
  @Doc({ summary: "A dataset's items (image, prompt, generator, MOS) in the authors' order, a page at a time", response: { name: 'DatasetItemPage', schema: DatasetItemPageSchema } })
  items(@Param('idOrName') idOrName: string, @Query() query: DatasetItemsQueryDto) {
    return this.datasets.items(idOrName, query);
  }

  @Get(':idOrName/mos')
  @Doc({ summary: 'MOS histograms per label, overall and per generator (shared bins)', response: { name: 'DatasetMos', schema: DatasetMosSchema } })
  mos(@Param('idOrName') idOrName: string) {
    return this.datasets.mos(idOrName);
  }

  @Post(':idOrName/archive')
  @HttpCode(200)
  @Doc({ summary: 'Hide a dataset from lists (its runs stay)', response: { name: 'ArchiveResult', schema: ArchiveResultSchema } })
  archive(@Param('idOrName') idOrName: string) {
    return this.datasets.archive(idOrName, true);
  }

  @Post(':idOrName/unarchive')
  @HttpCode(200)
  @Doc({ summary: 'Show an archived dataset again', response: { name: 'ArchiveResult', schema: ArchiveResultSchema } })
  unarchive(@Param('idOrName') idOrName: string) {
    return this.datasets.archive(idOrName, false);
  }

  @Delete(':idOrName')
  @Doc({
    summary: 'Delete a dataset with its items and splits',
    description: '409 while any run uses it (delete the runs or their sweeps first, or archive the dataset).',
    response: { name: 'DeleteResult', schema: DeleteResultSchema },
  })
  remove(@Param('idOrName') idOrName: string) {
    return this.datasets.remove(idOrName);
  }
}
