import { Table1Schema, Table2Schema, Table3Schema, TimingTableSchema } from '@agiqa/contracts';
import { Controller, Get, Query } from '@nestjs/common';
import { Doc } from '../openapi/endpoint-doc.js';
import { PaperTablesQueryDto, Table1QueryDto } from './tables.dto.js';
import { TablesService } from './tables.service.js';

@Controller('tables')
export class TablesController {
  constructor(private readonly tables: TablesService) {}

  @Get('1')
  @Doc({
    summary: 'Table 1: text encoder × fusion → SRCC, PLCC (mean ± std over runs), beside the paper',
    description: 'Default dataset: the one with the most completed runs. Each cell lists its runs; `optimistic` marks best-on-test selection.',
    response: { name: 'Table1', schema: Table1Schema },
  })
  table1(@Query() query: Table1QueryDto) {
    return this.tables.table1(query);
  }

  @Get('2')
  @Doc({
    summary: 'Table 2: methods × datasets; the proposed model measured where runs exist, the rest as reported',
    response: { name: 'Table2', schema: Table2Schema },
  })
  table2(@Query() query: PaperTablesQueryDto) {
    return this.tables.table2(query);
  }

  @Get('3')
  @Doc({ summary: 'Table 3: AGI-specific methods on AGIQA-3K', response: { name: 'Table3', schema: Table3Schema } })
  table3(@Query() query: PaperTablesQueryDto) {
    return this.tables.table3(query);
  }

  @Get('timing')
  @Doc({
    summary: 'Inference latency by text encoder and machine, beside the paper\'s 217 / 152 / 196 ms',
    response: { name: 'TimingTable', schema: TimingTableSchema },
  })
  timing() {
    return this.tables.timing();
  }
}
