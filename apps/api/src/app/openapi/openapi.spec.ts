import { CreateSweepBodySchema, ListSweepsQuerySchema } from '@agiqa/contracts';
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodDto } from '../validation/zod-dto.js';
import { Doc } from './endpoint-doc.js';
import { buildOpenApiDocument, readRoutes } from './openapi.js';

class GridDto extends zodDto(CreateSweepBodySchema, 'GridSpec') {}
class ListDto extends zodDto(ListSweepsQuerySchema, 'ListSweepsQuery') {}

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

describe(readRoutes.name, () => {
  const routes = readRoutes([ThingsController], 'api');

  it('finds body and query DTOs through decorator metadata', () => {
    const create = routes.find((r) => r.method === 'post' && r.path === '/api/things');
    expect(create?.body?.name).toBe('GridSpec');
    expect(create?.body?.schema).toBe(CreateSweepBodySchema);
    expect(routes.find((r) => r.method === 'get')?.query?.schema).toBe(ListSweepsQuerySchema);
  });

  it('turns :params into OpenAPI path parameters', () => {
    const cancel = routes.find((r) => r.path === '/api/things/{id}/cancel');
    expect(cancel?.pathParams).toEqual(['id']);
    expect(cancel?.body).toBeUndefined();
  });
});

describe(buildOpenApiDocument.name, () => {
  const document = buildOpenApiDocument(readRoutes([ThingsController], 'api'), { title: 't', version: '0' }) as {
    paths: Record<string, Record<string, { requestBody?: unknown; parameters: { name: string; in: string }[]; responses: Record<string, unknown>; security?: unknown }>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }> };
  };

  it('generates request schemas from the zod schemas, unknown keys forbidden', () => {
    const grid = document.components.schemas.GridSpec;
    expect(Object.keys(grid.properties ?? {})).toEqual(expect.arrayContaining(['encoders', 'fusions', 'datasets', 'seeds', 'epochs']));
    expect(grid.additionalProperties).toBe(false);
    expect(document.paths['/api/things'].post.requestBody).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/GridSpec' } } },
    });
  });

  it('lists query fields as parameters and documents success and error responses', () => {
    const list = document.paths['/api/things'].get;
    expect(list.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['query:status', 'query:scheduleId', 'query:limit', 'query:offset']);
    expect(Object.keys(document.paths['/api/things'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', 'default']));
    expect(document.components.schemas.ErrorBody).toBeDefined();
    expect(list.security).toBeUndefined();
  });
});

describe('tuples in the document', () => {
  @Controller('pairs')
  class PairsController {
    @Get()
    @Doc({ summary: 'pairs', response: { name: 'Pairs', schema: z.object({ same: z.tuple([z.string(), z.string()]), mixed: z.tuple([z.string(), z.number()]) }) } })
    list() {
      return null;
    }
  }
  const schemas = (buildOpenApiDocument(readRoutes([PairsController], 'api'), { title: 't', version: '0' }) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } })
    .components.schemas;

  it('writes a tuple of one item schema as the fixed-length array it equals, and keeps any other tuple', () => {
    expect(schemas.Pairs.properties.same).toEqual({ type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 });
    expect(schemas.Pairs.properties.mixed).toMatchObject({ prefixItems: [{ type: 'string' }, { type: 'number' }], items: false });
  });
});
