import { ApiTokenRowSchema, CreatedApiTokenSchema } from '@agiqa/contracts';
import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { Doc } from '../openapi/endpoint-doc.js';
import { CreateTokenDto } from './tokens.dto.js';
import { TokensService } from './tokens.service.js';

@Controller('tokens')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post()
  @Doc({
    summary: 'Create an API token (the secret is in this response only)',
    description: 'Needs no token while none exists and AGIQA_API_TOKEN is unset (bootstrap); from then on writes need one.',
    response: { name: 'CreatedApiToken', schema: CreatedApiTokenSchema },
  })
  create(@Body() body: CreateTokenDto) {
    return this.tokens.create(body);
  }

  @Get()
  @Doc({ summary: 'List API tokens (never their secrets)', response: { name: 'ApiTokenList', schema: z.array(ApiTokenRowSchema) } })
  list() {
    return this.tokens.list();
  }

  @Delete(':id')
  @Doc({ summary: 'Revoke an API token', response: { name: 'ApiTokenRow', schema: ApiTokenRowSchema } })
  revoke(@Param('id') id: string) {
    return this.tokens.revoke(id);
  }
}
