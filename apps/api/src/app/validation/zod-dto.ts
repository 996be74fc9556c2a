import { invalidInput, parseOrThrow, unstorableTextProblem } from '@agiqa/contracts';
import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { createZodDto } from 'nestjs-zod';
import type { z } from 'zod';

/** A class that stands for a zod schema in handler signatures (`@Body() body: CreateSweepDto`). */
export interface ZodDtoClass<S extends z.ZodType = z.ZodType> {
  new (): z.output<S>;
  /** The schema that validates and shapes the value; OpenAPI is generated from it too. */
  readonly schema: S;
}

/**
 * Makes a DTO class from a zod schema, so that the schema stays the single source of truth: the
 * class carries it through decorator metadata (`design:paramtypes`) to the validation pipe, and,
 * being a nestjs-zod DTO, to @nestjs/swagger, which documents a body DTO as a component named
 * after the class (`CreateSweepDto`). The instance type is the schema's output type.
 */
export function zodDto<S extends z.ZodType>(schema: S): ZodDtoClass<S> {
  // The base's instance type is the schema's output, unknown for a generic S: typed by ZodDtoClass instead.
  return createZodDto(schema as z.ZodType) as unknown as ZodDtoClass<S>;
}

export function isZodDto(value: unknown): value is ZodDtoClass {
  return typeof value === 'function' && 'schema' in value && 'isZodDto' in value && value.isZodDto === true;
}

const WHAT: Record<ArgumentMetadata['type'], string> = {
  body: 'request body',
  query: 'query string',
  param: 'path parameter',
  custom: 'argument',
};

/**
 * Global pipe: a handler argument typed with a `zodDto` class is parsed by its schema; a failure is
 * an `invalid_input` error whose details name every offending field. Every argument (path
 * parameters included) is first checked for text PostgreSQL cannot store: NUL characters (not in
 * text) and lone surrogates, which JSON may escape (`"\ud800"`) but which are not Unicode (jsonb
 * refuses them): they are bad input, never a database error.
 */
@Injectable()
export class ZodValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const what = WHAT[metadata.type];
    const bad = findUnstorableText(value, metadata.data ?? '');
    if (bad !== null) {
      const at = bad.path || '(root)';
      throw invalidInput(`${what} contains ${bad.problem} at ${at}`, [{ path: at, message: `${bad.problem} is not allowed` }]);
    }
    if (!isZodDto(metadata.metatype)) return value;
    return parseOrThrow(metadata.metatype.schema, value ?? {}, what);
  }
}

/** The path and problem of the first string (or key) PostgreSQL cannot store, or null. */
export function findUnstorableText(value: unknown, path = ''): { path: string; problem: string } | null {
  if (typeof value === 'string') {
    const problem = unstorableTextProblem(value);
    return problem ? { path, problem } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const at = path ? `${path}.${key}` : key;
    const problem = unstorableTextProblem(key);
    if (problem) return { path: at, problem };
    const found = findUnstorableText(item, at);
    if (found !== null) return found;
  }
  return null;
}
