import { PaperTablesQuerySchema, Table1QuerySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class Table1QueryDto extends zodDto(Table1QuerySchema, 'Table1Query') {}
export class PaperTablesQueryDto extends zodDto(PaperTablesQuerySchema, 'PaperTablesQuery') {}
