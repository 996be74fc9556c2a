import { AgiqaError, transientReason, type ErrorBody, type ErrorCode, type ProblemDetail } from '@agiqa/contracts';
import { HttpException } from '@nestjs/common';
import {
  isGrpcServiceError,
  NamespaceNotFoundError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';

/** The one mapping from the platform's error vocabulary to HTTP status. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  internal: 500,
  unavailable: 503,
};

/** HTTP statuses that Nest or Express raise themselves, read back into the vocabulary. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'not_found',
  409: 'conflict',
  413: 'invalid_input',
  415: 'invalid_input',
  503: 'unavailable',
};

/** gRPC status codes that mean "Temporal is not reachable right now". */
const GRPC_UNAVAILABLE = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

/**
 * Turns anything thrown while serving a request into a status and an `ErrorBody`. Used by the global
 * exception filter and by the Express error handler behind the body parser, so both agree.
 * Unknown errors become `internal` with a generic message: their text may leak internals.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  const known = toAgiqaError(error);
  if (known) return respond(known.code, known.message, known.details);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'invalid_input');
    return respond(code, error.message);
  }
  return bodyParserError(error) ?? respond('internal', 'internal error; see the API log');
}

/**
 * Reads errors of the API's collaborators (Temporal client, Prisma) into the vocabulary, or returns
 * null for errors that have no meaning beyond "internal".
 */
export function toAgiqaError(error: unknown): AgiqaError | null {
  if (error instanceof AgiqaError) return error;
  if (error instanceof WorkflowNotFoundError) return new AgiqaError('not_found', `Temporal has no such workflow: ${error.message}`);
  if (error instanceof ScheduleNotFoundError) return new AgiqaError('not_found', `Temporal has no such schedule: ${error.message}`);
  if (error instanceof ScheduleAlreadyRunning || error instanceof WorkflowExecutionAlreadyStartedError) {
    return new AgiqaError('conflict', error.message);
  }
  if (error instanceof NamespaceNotFoundError) return new AgiqaError('unavailable', error.message);
  if (isGrpcServiceError(error) && GRPC_UNAVAILABLE.has(error.code)) {
    return new AgiqaError('unavailable', `Temporal is not reachable: ${error.details || error.message}`);
  }
  return prismaError(error) ?? transientError(error);
}

/** A dependency dropped or refused the connection (`isTransientError`): retrying later may work. */
function transientError(error: unknown): AgiqaError | null {
  const reason = transientReason(error);
  if (reason === null) return null;
  const what = (error as { name?: unknown } | null)?.name?.toString().startsWith('PrismaClient') ? 'the database' : 'a dependency';
  return new AgiqaError('unavailable', `${what} is not reachable (${reason}); retry later`);
}

/** Prisma's known request errors, recognised by their documented codes. */
function prismaError(error: unknown): AgiqaError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, meta, name } = error as { code?: unknown; meta?: { target?: unknown; modelName?: unknown }; name?: unknown };
  if (typeof code !== 'string' || typeof name !== 'string' || !name.startsWith('PrismaClient')) return null;
  switch (code) {
    case 'P2002': {
      const target = Array.isArray(meta?.target) ? meta.target.join(', ') : String(meta?.target ?? 'a unique field');
      return new AgiqaError('conflict', `already exists: ${target} is taken`, [{ path: target, message: 'already taken' }]);
    }
    case 'P2025':
      return new AgiqaError('not_found', `record not found${meta?.modelName ? ` (${String(meta.modelName)})` : ''}`);
    default:
      return null;
  }
}

function respond(code: ErrorCode, message: string, details: ProblemDetail[] = []): ErrorResponse {
  const body: ErrorBody = { error: { code, message } };
  if (details.length > 0 || code === 'invalid_input') body.error.details = details;
  return { status: HTTP_STATUS[code], body };
}

/**
 * body-parser's errors carry `type` and `status` (malformed JSON, body too large, bad charset);
 * errors of the decompression it runs (a corrupt gzip body) carry only a 4xx `status` and
 * `expose`. Both are the client's fault.
 */
function bodyParserError(error: unknown): ErrorResponse | null {
  if (typeof error !== 'object' || error === null) return null;
  const { type, status, expose, message } = error as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return null;
  if (typeof type !== 'string' && expose !== true) return null;
  const text = typeof message === 'string' ? message : String(type);
  const what = type === 'entity.parse.failed' ? 'request body is not valid JSON' : 'request body rejected';
  return respond(CODE_BY_STATUS[status] ?? 'invalid_input', `${what}: ${text}`, [{ path: '(body)', message: text }]);
}
