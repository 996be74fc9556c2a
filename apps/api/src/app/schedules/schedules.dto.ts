import { CreateScheduleBodySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class CreateScheduleDto extends zodDto(CreateScheduleBodySchema) {}
