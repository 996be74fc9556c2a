import { PaperTablesQuerySchema, SettingsQuerySchema, SignificanceQuerySchema, Table1QuerySchema, TimingQuerySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class Table1QueryDto extends zodDto(Table1QuerySchema, 'Table1Query') {}
export class PaperTablesQueryDto extends zodDto(PaperTablesQuerySchema, 'PaperTablesQuery') {}
export class TimingQueryDto extends zodDto(TimingQuerySchema, 'TimingQuery') {}
export class SettingsQueryDto extends zodDto(SettingsQuerySchema, 'SettingsQuery') {}
export class SignificanceQueryDto extends zodDto(SignificanceQuerySchema, 'SignificanceQuery') {}
