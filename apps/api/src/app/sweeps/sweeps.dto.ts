import { CreateSweepBodySchema, ListSweepRunsQuerySchema, ListSweepsQuerySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class CreateSweepDto extends zodDto(CreateSweepBodySchema) {}
export class ListSweepsQueryDto extends zodDto(ListSweepsQuerySchema) {}
export class ListSweepRunsQueryDto extends zodDto(ListSweepRunsQuerySchema) {}
