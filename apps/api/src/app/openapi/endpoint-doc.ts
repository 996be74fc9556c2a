import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

export const ENDPOINT_DOC = 'agiqa:endpoint-doc';

/** What the OpenAPI document says about one route beyond what Nest's own metadata already holds. */
export interface EndpointDoc {
  summary: string;
  description?: string;
  /** Success body, as a named zod schema (a component in the document). */
  response?: { name: string; schema: z.ZodType };
  /** Other media types the success answer may have (a string body), e.g. a table exported as `text/csv`. */
  alsoProduces?: readonly string[];
}

/** Documents a route; method, path, status, body and query schemas are read from the handler itself. */
export const Doc = (doc: EndpointDoc) => SetMetadata(ENDPOINT_DOC, doc);
