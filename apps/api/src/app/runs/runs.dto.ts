import { CompareBodySchema, CompareRunsQuerySchema, ListEpochsQuerySchema, ListPredictionsQuerySchema, ListRunsQuerySchema, UpdateRunBodySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class CompareRunsQueryDto extends zodDto(CompareRunsQuerySchema) {}
export class ListRunsQueryDto extends zodDto(ListRunsQuerySchema) {}
export class UpdateRunDto extends zodDto(UpdateRunBodySchema) {}
export class CompareBodyDto extends zodDto(CompareBodySchema) {}
export class ListEpochsQueryDto extends zodDto(ListEpochsQuerySchema) {}
export class ListPredictionsQueryDto extends zodDto(ListPredictionsQuerySchema) {}
