import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiOperation } from '@nestjs/swagger';
import type { z } from 'zod';

/** What the OpenAPI document says about one route beyond what @nestjs/swagger reads from the handler. */
export interface EndpointDoc {
  summary: string;
  description?: string;
  /** Success body, as a named zod schema (a component in the document). */
  response?: { name: string; schema: z.ZodType };
  /** Other media types the success answer may have (a string body), e.g. a table exported as `text/csv`. */
  alsoProduces?: readonly string[];
}

/** The operation extension that carries `response` and `alsoProduces` to `buildOpenApiDocument`, which removes it. */
export const RESPONSE_EXTENSION = 'x-agiqa-response';

/** What `RESPONSE_EXTENSION` holds: the response component's name and the other media types. */
export interface ResponseExtension {
  schema: string | null;
  alsoProduces: string[];
}

/** Response schemas by component name, filled as controllers are decorated. */
const responseSchemas = new Map<string, z.ZodType>();

/**
 * Documents a route: summary and description through @nestjs/swagger's `ApiOperation`; the
 * success body is completed by `buildOpenApiDocument` under the status swagger found for the
 * route (its `@HttpCode`, else 201 for POST and 200 otherwise), which a decorator cannot know.
 */
export function Doc(doc: EndpointDoc): MethodDecorator {
  if (doc.response) registerResponseSchema(doc.response.name, doc.response.schema);
  const extension: ResponseExtension = { schema: doc.response?.name ?? null, alsoProduces: [...(doc.alsoProduces ?? [])] };
  return applyDecorators(ApiOperation({ summary: doc.summary, ...(doc.description ? { description: doc.description } : {}) }), ApiExtension(RESPONSE_EXTENSION, extension));
}

/** The zod schema of a response component named by `Doc`. */
export function responseSchemaNamed(name: string): z.ZodType | undefined {
  return responseSchemas.get(name);
}

/** One name, one schema: a second schema under a name already used would make the document lie about one of them. */
function registerResponseSchema(name: string, schema: z.ZodType): void {
  const known = responseSchemas.get(name);
  if (known && known !== schema) throw new Error(`@Doc: two different response schemas are named ${name}`);
  responseSchemas.set(name, schema);
}
