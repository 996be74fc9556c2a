import { ErrorBodySchema } from '@agiqa/contracts';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { z } from 'zod';
import { RESPONSE_EXTENSION, responseSchemaNamed, type ResponseExtension } from './endpoint-doc.js';

type JsonSchema = Record<string, unknown>;
type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: { in: string }[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
  security?: unknown;
  [RESPONSE_EXTENSION]?: ResponseExtension;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

const BEARER_DESCRIPTION = 'Required by mutating routes once AGIQA_API_TOKEN is set or any API token exists; reads need it from non-loopback clients then.';

/**
 * The OpenAPI 3.1 document of the routes `app` mounted. Maintained integrations do the reading:
 * @nestjs/swagger scans the controllers (paths, methods, success statuses, path parameters, and
 * the `@Body()` / `@Query()` DTOs), nestjs-zod turns each `zodDto` class into its JSON schema
 * (a body DTO is the component named after its class, `CreateSweepDto`). This module adds what the
 * decorators leave to one place, the same for every route: the success body named by `@Doc`
 * (from its zod schema, as the server writes it), the error answers (400 with input, 404 with a
 * path parameter, 401 and the bearer scheme on mutating routes, `default`), and a tag per area.
 */
export function buildOpenApiDocument(app: INestApplication, info: { title: string; version: string }): JsonSchema {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(info.title)
    .setVersion(info.version)
    .setDescription('agiqa: run, track and reproduce AGI quality-assessment experiment grids.')
    .addServer('/')
    .addSecurity('bearer', { type: 'http', scheme: 'bearer', description: BEARER_DESCRIPTION })
    .build();
  const scanned = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return completeDocument(cleanupOpenApiDoc(scanned, { version: '3.1' }));
}

/** Adds responses, errors, security and tags to every operation, and the components they name. */
function completeDocument(document: OpenAPIObject): JsonSchema {
  const schemas: Record<string, JsonSchema> = { ...(document.components?.schemas as Record<string, JsonSchema> | undefined), ErrorBody: toJsonSchema(ErrorBodySchema) };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (operation) completeOperation(path, method, operation, schemas);
    }
  }
  const info = { title: document.info.title, version: document.info.version, description: document.info.description };
  return withoutSchemaIds(uniformTuplesAsArrays({ ...document, info, tags: undefined, components: { ...document.components, schemas } }) as JsonSchema);
}

function completeOperation(path: string, method: string, operation: Operation, schemas: Record<string, JsonSchema>): void {
  const extension = operation[RESPONSE_EXTENSION] ?? { schema: null, alsoProduces: [] };
  delete operation[RESPONSE_EXTENSION];
  operation.summary ??= operation.operationId;
  operation.tags = [path.split('/')[2] ?? 'api'];
  const [status] = Object.keys(operation.responses ?? {});
  const responses: Record<string, unknown> = { [status ?? '200']: successResponse(extension, schemas) };
  responses.default = errorResponse('Error: code, message and (for invalid_input) the problems with their fields');
  const parameters = operation.parameters ?? [];
  if (operation.requestBody || parameters.some((p) => p.in === 'query')) responses['400'] = errorResponse('Invalid input: details name every offending field');
  if (parameters.some((p) => p.in === 'path')) responses['404'] = errorResponse('No such resource');
  if (MUTATING.has(method)) {
    responses['401'] = errorResponse('Missing or invalid bearer token');
    operation.security = [{ bearer: [] }, {}];
  }
  operation.responses = responses;
}

/** JSON as the named schema (added to the components), and each other media type the route may answer as a string. */
function successResponse(extension: ResponseExtension, schemas: Record<string, JsonSchema>): JsonSchema {
  const name = extension.schema;
  const schema = name === null ? undefined : responseSchemaNamed(name);
  if (name === null || !schema) return { description: 'OK' };
  schemas[name] ??= toJsonSchema(schema);
  const content: Record<string, { schema: JsonSchema }> = { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } };
  for (const type of extension.alsoProduces) content[type] = { schema: { type: 'string' } };
  return { description: 'OK', content };
}

function errorResponse(description: string): JsonSchema {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };
}

/** A response body as the server writes it (zod's `output` side). */
function toJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/**
 * nestjs-zod leaves the zod `id` it named a component by in the component (`"id": "GridSpec"`):
 * not an OpenAPI keyword, and in the draft-4 dialect that validators fall back to, a base URI
 * that breaks every `$ref` inside. The component's key already carries the name.
 */
function withoutSchemaIds(document: JsonSchema): JsonSchema {
  const components = document.components as { schemas: Record<string, JsonSchema> };
  for (const schema of Object.values(components.schemas)) if (typeof schema.id === 'string') delete schema.id;
  return document;
}

/**
 * Rewrites a fixed-length tuple whose items share one schema (`prefixItems: [S, S], items: false,
 * minItems = maxItems = 2`, e.g. the CLIP-IQA antonym pair) as the array it equals (`items: S`,
 * same bounds). The two say exactly the same; schemathesis 4.32 turns `prefixItems` into a
 * draft-4 `items` list before it checks a response and then rejects its own schema.
 */
function uniformTuplesAsArrays(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(uniformTuplesAsArrays);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, uniformTuplesAsArrays(value)]));
  const prefix = out['prefixItems'];
  if (Array.isArray(prefix) && prefix.length > 0 && out['items'] === false && out['minItems'] === prefix.length && out['maxItems'] === prefix.length) {
    const first = JSON.stringify(prefix[0]);
    if (prefix.every((item) => JSON.stringify(item) === first)) {
      delete out['prefixItems'];
      out['items'] = prefix[0];
    }
  }
  return out;
}
