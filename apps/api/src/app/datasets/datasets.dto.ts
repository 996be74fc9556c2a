import { DatasetItemsQuerySchema, InspectDatasetBodySchema, RegisterDatasetBodySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class RegisterDatasetDto extends zodDto(RegisterDatasetBodySchema) {}
export class InspectDatasetDto extends zodDto(InspectDatasetBodySchema) {}
export class DatasetItemsQueryDto extends zodDto(DatasetItemsQuerySchema) {}
