import { AgiqaError, invalidInput, type ProblemDetail } from '@agiqa/contracts';
import type { z } from 'zod';

/** The flag that sets a field of a request body, and the values it accepts where the list is closed. */
export interface FlagSpec {
  flag: string;
  choices?: readonly string[];
}

/** Field path (`split.train`, `encoders`) → the flag that sets it. */
export type FlagTable = Record<string, FlagSpec>;

/**
 * Validates `value` with `schema` and, on failure, throws an `invalid_input` error worded in the
 * user's terms: the flag, not the JSON path, and what to do rather than the validator's words
 * (`--fusions is required; one of concat, cosine, cross_attention` instead of
 * `fusions: Invalid input: expected array, received undefined`). Fields no flag sets (set by a
 * `--file`) keep their path.
 */
export function parseFlags<S extends z.ZodType>(schema: S, value: unknown, flags: FlagTable, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = flagProblems(result.error.issues, flags, value);
  // One problem reads as one line; several are listed below the first line (cli-error `reportError`).
  throw invalidInput(details.length === 1 ? `${what}: ${details[0].message}` : `${what}: ${details.length} problems`, details);
}

export function flagProblems(issues: readonly z.core.$ZodIssue[], flags: FlagTable, input: unknown): ProblemDetail[] {
  return issues.map((issue) => {
    const path = issue.path.map(String);
    const { spec, field } = flagFor(path, flags);
    const name = spec?.flag ?? field;
    return { path: name, message: describeIssue(issue, name, spec, valueAt(input, path)) };
  });
}

function flagFor(path: string[], flags: FlagTable): { spec: FlagSpec | undefined; field: string } {
  for (let n = path.length; n > 0; n--) {
    const spec = flags[path.slice(0, n).join('.')];
    if (spec) return { spec, field: path.join('.') };
  }
  return { spec: undefined, field: path.join('.') || '(root)' };
}

function valueAt(input: unknown, path: string[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function describeIssue(issue: z.core.$ZodIssue, name: string, spec: FlagSpec | undefined, value: unknown): string {
  const oneOf = (values: readonly unknown[]) => values.map(String).join(', ');
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `${name} is required${spec?.choices ? `; one of ${oneOf(spec.choices)}` : ''}`;
      return `${name} must be ${article(issue.expected)}, got ${JSON.stringify(value)}`;
    case 'invalid_value':
      return `${name}: ${JSON.stringify(value)} is not one of ${oneOf(issue.values)}`;
    case 'too_small':
      if (issue.origin === 'array') return `${name} must list at least ${String(issue.minimum)} value(s)`;
      return `${name} must be ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}, got ${JSON.stringify(value)}`;
    case 'too_big':
      if (issue.origin === 'array') return `${name} takes at most ${String(issue.maximum)} value(s)`;
      return `${name} must be ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}, got ${JSON.stringify(value)}`;
    case 'custom':
      // A field only some grids need (encoders for the fusion-head method), left out.
      if (value === undefined) return `${name} is required${spec?.choices ? `; one of ${oneOf(spec.choices)}` : ''}`;
      return `${name}: ${issue.message}`;
    case 'unrecognized_keys':
      return `${name === '(root)' ? 'the grid' : name} has unknown field(s) ${issue.keys.join(', ')}`;
    default:
      return `${name}: ${issue.message}`;
  }
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/**
 * The API's `invalid_input` errors name JSON paths (`datasets.0`); this names the flag instead
 * (`--datasets: unknown dataset "x"…`). Other errors pass through unchanged.
 */
export function inFlagWords(error: unknown, flags: FlagTable): unknown {
  if (!(error instanceof AgiqaError) || error.code !== 'invalid_input' || error.details.length === 0) return error;
  const details = error.details.map((d) => {
    const { spec } = flagFor(d.path.split('.'), flags);
    return spec ? { path: spec.flag, message: `${spec.flag}: ${d.message}` } : { path: d.path, message: `${d.path}: ${d.message}` };
  });
  return new AgiqaError('invalid_input', details.length === 1 ? details[0].message : `${error.message.split(':')[0]}: ${details.length} problems`, details);
}
