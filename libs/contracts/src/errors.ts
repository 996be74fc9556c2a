/**
 * The one error vocabulary. Apps map these codes to transport (HTTP status in apps/api, exit codes
 * in the CLI, non-retryable failure types in the worker) in exactly one place each.
 */
export const ERROR_CODES = [
  /** The caller's input is wrong; the message names the field, file or line. */
  'invalid_input',
  'not_found',
  /** The request conflicts with current state (e.g. a name already taken, a sweep still running). */
  'conflict',
  'unauthorized',
  'forbidden',
  /** A dependency (Temporal, the database) is not reachable; retrying later may succeed. */
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with an input, located by a path (field names or file:line). */
export interface ProblemDetail {
  path: string;
  message: string;
}

/** The JSON body of every API error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ProblemDetail[] };
}

/** An error that already knows which code it maps to. Throw it from domain code. */
export class AgiqaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ProblemDetail[] = [],
  ) {
    super(message);
    this.name = 'AgiqaError';
  }
}

export const invalidInput = (message: string, details: ProblemDetail[] = []) =>
  new AgiqaError('invalid_input', message, details);
export const notFound = (message: string) => new AgiqaError('not_found', message);
export const conflict = (message: string) => new AgiqaError('conflict', message);
