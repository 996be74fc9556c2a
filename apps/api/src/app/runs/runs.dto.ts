import { CompareBodySchema, CompareRunsQuerySchema, ListEpochsQuerySchema, ListPredictionsQuerySchema, ListRunsQuerySchema, UpdateRunBodySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class CompareRunsQueryDto extends zodDto(CompareRunsQuerySchema, 'CompareRunsQuery') {}
export class ListRunsQueryDto extends zodDto(ListRunsQuerySchema, 'ListRunsQuery') {}
export class UpdateRunDto extends zodDto(UpdateRunBodySchema, 'UpdateRunBody') {}
export class CompareBodyDto extends zodDto(CompareBodySchema, 'CompareBody') {}
export class ListEpochsQueryDto extends zodDto(ListEpochsQuerySchema, 'ListEpochsQuery') {}
export class ListPredictionsQueryDto extends zodDto(ListPredictionsQuerySchema, 'ListPredictionsQuery') {}
