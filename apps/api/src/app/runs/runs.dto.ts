import { CompareRunsQuerySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class CompareRunsQueryDto extends zodDto(CompareRunsQuerySchema, 'CompareRunsQuery') {}
