import { PaperTablesQuerySchema, SettingsQuerySchema, SignificanceQuerySchema, Table1QuerySchema, TimingQuerySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class Table1QueryDto extends zodDto(Table1QuerySchema) {}
export class PaperTablesQueryDto extends zodDto(PaperTablesQuerySchema) {}
export class TimingQueryDto extends zodDto(TimingQuerySchema) {}
export class SettingsQueryDto extends zodDto(SettingsQuerySchema) {}
export class SignificanceQueryDto extends zodDto(SignificanceQuerySchema) {}
