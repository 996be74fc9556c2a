import { CreateSweepBodySchema, ListSweepsQuerySchema } from '@agiqa/contracts';
import { Body, Controller, Get, Param, Post, Query, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodDto } from '../validation/zod-dto.js';
import { Doc } from './endpoint-doc.js';
import { buildOpenApiDocument } from './openapi.js';

class GridDto extends zodDto(CreateSweepBodySchema) {}
class ListDto extends zodDto(ListSweepsQuerySchema) {}

@Controller('things')
class ThingsController {
  @Post()
  @Doc({ summary: 'make a thing', response: { name: 'Thing', schema: z.object({ id: z.string() }) } })
  create(@Body() body: GridDto) {
    return body;
  }

  @Get()
  list(@Query() query: ListDto) {
    return query;
  }

  @Post(':id/cancel')
  cancel(@Param('id') id: string) {
    return id;
  }
}

@Controller('pairs')
class PairsController {
  @Get()
  @Doc({ summary: 'pairs', response: { name: 'Pairs', schema: z.object({ same: z.tuple([z.string(), z.string()]), mixed: z.tuple([z.string(), z.number()]) }) } })
  list() {
    return null;
  }
}

interface Document {
  paths: Record<
    string,
    Record<string, { operationId: string; summary?: string; tags: string[]; requestBody?: unknown; parameters: { name: string; in: string; required?: boolean }[]; responses: Record<string, unknown>; security?: unknown }>
  >;
  components: { schemas: Record<string, { id?: string; properties?: Record<string, unknown>; additionalProperties?: unknown }> };
}

describe(buildOpenApiDocument.name, () => {
  let app: INestApplication;
  let document: Document;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ThingsController, PairsController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api');
    await app.init();
    document = buildOpenApiDocument(app, { title: 't', version: '0' }) as unknown as Document;
  });
  afterAll(async () => {
    await app.close();
  });

  it('finds every route with its method, path parameters and operation id', () => {
    const routes = Object.entries(document.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${method} ${path} ${op.operationId}`));
    expect(routes.sort()).toEqual(['get /api/pairs Pairs_list', 'get /api/things Things_list', 'post /api/things Things_create', 'post /api/things/{id}/cancel Things_cancel']);
    const cancel = document.paths['/api/things/{id}/cancel'].post;
    expect(cancel.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    expect(cancel.requestBody).toBeUndefined();
    expect(cancel.tags).toEqual(['things']);
  });

  it('generates request schemas from the zod schemas, named after the DTO class, unknown keys forbidden', () => {
    const grid = document.components.schemas.GridDto;
    expect(Object.keys(grid.properties ?? {})).toEqual(expect.arrayContaining(['encoders', 'fusions', 'datasets', 'seeds', 'epochs']));
    expect(grid.additionalProperties).toBe(false);
    expect(grid.id).toBeUndefined();
    expect(document.paths['/api/things'].post.requestBody).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/GridDto' } } },
    });
  });

  it('lists query fields as parameters and documents success and error responses', () => {
    const list = document.paths['/api/things'].get;
    expect(list.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['query:status', 'query:scheduleId', 'query:limit', 'query:offset']);
    expect(list.parameters.every((p) => p.required === false)).toBe(true);
    const create = document.paths['/api/things'].post;
    expect(Object.keys(create.responses).sort()).toEqual(['201', '400', '401', 'default']);
    expect(create.responses['201']).toEqual({ description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } });
    expect(document.components.schemas.Thing).toMatchObject({ type: 'object', properties: { id: { type: 'string' } } });
    expect(create.security).toEqual([{ bearer: [] }, {}]);
    expect(Object.keys(document.paths['/api/things/{id}/cancel'].post.responses).sort()).toEqual(['201', '401', '404', 'default']);
    expect(document.components.schemas.ErrorBody).toBeDefined();
    expect(list.security).toBeUndefined();
    expect(JSON.stringify(document)).not.toContain('x-agiqa-response');
  });

  it('writes a tuple of one item schema as the fixed-length array it equals, and keeps any other tuple', () => {
    const pairs = document.components.schemas.Pairs as { properties: Record<string, unknown> };
    expect(pairs.properties.same).toEqual({ type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 });
    expect(pairs.properties.mixed).toMatchObject({ prefixItems: [{ type: 'string' }, { type: 'number' }], items: false });
  });
});
