import { CreateTokenBodySchema } from '@agiqa/contracts';
import { zodDto } from '../validation/zod-dto.js';

export class CreateTokenDto extends zodDto(CreateTokenBodySchema) {}
