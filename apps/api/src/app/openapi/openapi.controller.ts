import { Controller, Get } from '@nestjs/common';
import { Doc } from './endpoint-doc.js';
import { OpenApiService } from './openapi.service.js';

@Controller()
export class OpenApiController {
  constructor(private readonly openApi: OpenApiService) {}

  @Get('openapi.json')
  @Doc({ summary: 'This document: OpenAPI 3.1, generated from the route table and the zod schemas' })
  document() {
    return this.openApi.get();
  }
}
