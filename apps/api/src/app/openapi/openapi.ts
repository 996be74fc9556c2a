import { ErrorBodySchema } from '@agiqa/contracts';
import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { z } from 'zod';
import { isZodDto } from '../validation/zod-dto.js';
import { ENDPOINT_DOC, type EndpointDoc } from './endpoint-doc.js';

/** One route as Nest sees it: enough to document it. */
export interface RouteInfo {
  method: string;
  /** OpenAPI path, `{id}` style. */
  path: string;
  operationId: string;
  /** Success status: `@HttpCode`, else Nest's default (201 for POST, 200 otherwise). */
  status: number;
  doc: EndpointDoc | undefined;
  body: { name: string; schema: z.ZodType } | undefined;
  query: { name: string; schema: z.ZodType } | undefined;
  pathParams: string[];
}

type JsonSchema = Record<string, unknown>;

/** A controller class (only its metadata is read). */
export type ControllerClass = abstract new (...args: never[]) => unknown;

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

/**
 * Reads the route table from controller classes: `@Controller` / `@Get`… paths, the parameter
 * decorators, and `design:paramtypes` (decorator metadata) to find the zod DTO of `@Body()` and
 * `@Query()`. Nothing about a route is written twice.
 */
export function readRoutes(controllers: ControllerClass[], globalPrefix: string): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const subPath = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (subPath === undefined || requestMethod === undefined) continue;
      const nestPath = joinPath(globalPrefix, base, Array.isArray(subPath) ? subPath[0] : subPath);
      const paramTypes = (Reflect.getMetadata('design:paramtypes', prototype, name) ?? []) as unknown[];
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, { index: number }>;
      const dtoOf = (kind: RouteParamtypes) => {
        const entry = Object.entries(args).find(([key]) => key.split(':')[0] === String(kind));
        const type = entry ? paramTypes[entry[1].index] : undefined;
        return isZodDto(type) ? { name: type.schemaName, schema: type.schema } : undefined;
      };
      routes.push({
        method: RequestMethod[requestMethod].toLowerCase(),
        path: nestPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
        operationId: `${controller.name.replace(/Controller$/, '')}_${name}`,
        status: (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? (requestMethod === RequestMethod.POST ? 201 : 200),
        doc: Reflect.getMetadata(ENDPOINT_DOC, handler) as EndpointDoc | undefined,
        body: dtoOf(RouteParamtypes.BODY),
        query: dtoOf(RouteParamtypes.QUERY),
        pathParams: [...nestPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]),
      });
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** JSON as the named schema, and each other media type the route may answer as a string. */
function successContent(doc: Pick<EndpointDoc, 'alsoProduces'>, json: JsonSchema): Record<string, { schema: JsonSchema }> {
  const content: Record<string, { schema: JsonSchema }> = { 'application/json': { schema: json } };
  for (const type of doc.alsoProduces ?? []) content[type] = { schema: { type: 'string' } };
  return content;
}

function joinPath(...parts: string[]): string {
  return '/' + parts.flatMap((p) => p.split('/')).filter(Boolean).join('/');
}

/** Builds an OpenAPI 3.1 document; every schema in it is generated from a zod schema. */
export function buildOpenApiDocument(routes: RouteInfo[], info: { title: string; version: string }): JsonSchema {
  const components: Record<string, JsonSchema> = { ErrorBody: toJsonSchema(ErrorBodySchema, 'output') };
  const ref = (name: string, schema: z.ZodType, io: 'input' | 'output') => {
    components[name] ??= toJsonSchema(schema, io);
    return { $ref: `#/components/schemas/${name}` };
  };
  const errorResponse = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
  });

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = route.pathParams.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.query) {
      const schema = toJsonSchema(route.query.schema, 'input');
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      for (const [name, property] of Object.entries(properties)) {
        parameters.push({ name, in: 'query', required: required.has(name), schema: property });
      }
    }
    const status = String(route.status);
    const response = route.doc?.response;
    const responses: Record<string, unknown> = {
      [status]: response ? { description: 'OK', content: successContent(route.doc ?? {}, ref(response.name, response.schema, 'output')) } : { description: 'OK' },
      default: errorResponse('Error: code, message and (for invalid_input) the problems with their fields'),
    };
    if (route.body || route.query) responses['400'] = errorResponse('Invalid input: details name every offending field');
    if (route.pathParams.length > 0) responses['404'] = errorResponse('No such resource');
    if (MUTATING.has(route.method)) responses['401'] = errorResponse('Missing or invalid bearer token');

    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.doc?.summary ?? route.operationId,
      tags: [route.path.split('/')[2] ?? 'api'],
      parameters,
      responses,
    };
    if (route.doc?.description) operation.description = route.doc.description;
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: ref(route.body.name, route.body.schema, 'input') } },
      };
    }
    if (MUTATING.has(route.method)) operation.security = [{ bearer: [] }, {}];
    (paths[route.path] ??= {})[route.method] = operation;
  }

  return {
    openapi: '3.1.0',
    info: { ...info, description: 'agiqa: run, track and reproduce AGI quality-assessment experiment grids.' },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'Required by mutating routes once AGIQA_API_TOKEN is set or any API token exists; reads need it from non-loopback clients then.',
        },
      },
    },
  };
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return uniformTuplesAsArrays(json) as JsonSchema;
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
