import { SettingsComparisonSchema, SettingsListSchema, Table1Schema, Table2Schema, Table3Schema, TimingTableSchema, type TableFormat } from '@agiqa/contracts';
import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Doc } from '../openapi/endpoint-doc.js';
import { EXPORT_MEDIA_TYPES, exportTable, type TableKind } from './export/index.js';
import { PaperTablesQueryDto, SettingsQueryDto, SignificanceQueryDto, Table1QueryDto, TimingQueryDto } from './tables.dto.js';
import { TablesService } from './tables.service.js';

const FORMATS =
  '`?format=json` (default) answers the JSON below; `latex` (booktabs, caption with dataset, setting, selection rule and n, best value per column in bold), `csv` (full precision) and `md` (Markdown) answer the same table as text.';
const AGGREGATION =
  'One rule for every table: a replicate (setting, seed, split seed, split repeat) counts once (its newest run); runs of sweeps still in progress are left out unless `inProgress=include`, which marks them; archived runs and sweeps are left out; `plcc=raw|logistic` picks the PLCC variant.';

@Controller('tables')
export class TablesController {
  constructor(private readonly tables: TablesService) {}

  @Get('1')
  @Doc({
    summary: 'Table 1: text encoder × fusion → SRCC, PLCC (mean ± std, n, Δ to the paper) on one dataset and one setting',
    description: `${AGGREGATION} Setting: \`setting=\` or \`sweep=\` (that sweep's runs on its dataset), else the paper's protocol when it has runs, else the latest run's. ${FORMATS}`,
    response: { name: 'Table1', schema: Table1Schema },
    alsoProduces: EXPORT_MEDIA_TYPES,
  })
  async table1(@Query() query: Table1QueryDto, @Res({ passthrough: true }) res: Response) {
    return respond('1', await this.tables.table1(query), query.format, res);
  }

  @Get('2')
  @Doc({
    summary: "Table 2: methods × datasets; measured rows (proposed model, CLIP-IQA) beside the paper's",
    description: `${AGGREGATION} Measured rows show the paper's protocol unless \`setting=\` or \`sweep=\` picks another. ${FORMATS}`,
    response: { name: 'Table2', schema: Table2Schema },
    alsoProduces: EXPORT_MEDIA_TYPES,
  })
  async table2(@Query() query: PaperTablesQueryDto, @Res({ passthrough: true }) res: Response) {
    return respond('2', await this.tables.table2(query), query.format, res);
  }

  @Get('3')
  @Doc({
    summary: "Table 3: AGI-specific methods on AGIQA-3K; measured rows, the paper's, and other papers' published figures",
    description: `${AGGREGATION} \`published=false\` hides other papers' rows. ${FORMATS}`,
    response: { name: 'Table3', schema: Table3Schema },
    alsoProduces: EXPORT_MEDIA_TYPES,
  })
  async table3(@Query() query: PaperTablesQueryDto, @Res({ passthrough: true }) res: Response) {
    return respond('3', await this.tables.table3(query), query.format, res);
  }

  @Get('timing')
  @Doc({
    summary: "Inference latency by configuration and machine, beside the paper's 217 / 152 / 196 ms",
    description: `${AGGREGATION} ${FORMATS}`,
    response: { name: 'TimingTable', schema: TimingTableSchema },
    alsoProduces: EXPORT_MEDIA_TYPES,
  })
  async timing(@Query() query: TimingQueryDto, @Res({ passthrough: true }) res: Response) {
    return respond('timing', await this.tables.timing(query), query.format, res);
  }

  @Get('settings')
  @Doc({
    summary: 'Settings with completed runs (on a dataset, or any), for the tables pickers',
    description: 'Each with its id (for `setting=`), summary, replicates under the aggregation rule, datasets and sweeps.',
    response: { name: 'SettingsList', schema: SettingsListSchema },
  })
  settings(@Query() query: SettingsQueryDto) {
    return this.tables.settings(query);
  }

  @Get('significance')
  @Doc({
    summary: 'Two settings (or sweeps) compared cell by cell over matched replicates: paired t and Wilcoxon, Holm-corrected',
    description: '`a` and `b`: a setting id (`set_…`, all its runs) or a sweep id (that sweep\'s runs). Pairs match on seed, split seed and split repeat.',
    response: { name: 'SettingsComparison', schema: SettingsComparisonSchema },
  })
  significance(@Query() query: SignificanceQueryDto) {
    return this.tables.significance(query);
  }
}

/** JSON as is; a text format rendered, with its content type and a file name for downloads. */
function respond(kind: TableKind, table: Parameters<typeof exportTable>[1], format: TableFormat, res: Response): unknown {
  if (format === 'json') return table;
  const exported = exportTable(kind, table, format);
  res.setHeader('Content-Type', exported.contentType);
  res.setHeader('Content-Disposition', `inline; filename="${exported.fileName}"`);
  return exported.body;
}
