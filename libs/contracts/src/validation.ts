import type { z } from 'zod';
import { invalidInput, type ProblemDetail } from './errors.js';

/** Turns zod issues into problem details whose path names the offending field (`split.train`). */
export function problemsFromZod(error: z.ZodError, prefix = ''): ProblemDetail[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return { path: path || '(root)', message: issue.message };
  });
}

/**
 * Parses `value` with `schema` or throws an `invalid_input` AgiqaError whose message lists every
 * problem with its field, e.g. `encoders.0: Invalid option: expected one of "bert-base"|…`.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = problemsFromZod(result.error);
  const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
  throw invalidInput(`invalid ${what}: ${summary}`, details);
}
