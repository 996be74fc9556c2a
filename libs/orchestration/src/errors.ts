import { isGrpcServiceError, ScheduleNotFoundError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { AgiqaError } from '@agiqa/contracts';

/** gRPC status codes (fixed by the gRPC spec) that Temporal's service errors carry. */
const grpcStatus = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

/**
 * Translates a Temporal client error into the platform's error vocabulary, so that api and cli map
 * it to a status / exit code in their one place. `what` names the thing being acted on.
 */
export function temporalError(error: unknown, what: string): AgiqaError {
  if (error instanceof AgiqaError) return error;
  if (error instanceof WorkflowNotFoundError || error instanceof ScheduleNotFoundError) {
    return new AgiqaError('not_found', `${what} not found in Temporal`);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isGrpcServiceError(error)) {
    switch (error.code) {
      case grpcStatus.NOT_FOUND:
        return new AgiqaError('not_found', `${what} not found in Temporal`);
      case grpcStatus.ALREADY_EXISTS:
      case grpcStatus.FAILED_PRECONDITION:
        return new AgiqaError('conflict', `${what}: ${message}`);
      case grpcStatus.INVALID_ARGUMENT:
        return new AgiqaError('invalid_input', `${what}: ${message}`);
      case grpcStatus.UNAVAILABLE:
      case grpcStatus.DEADLINE_EXCEEDED:
        return unavailable(message);
    }
  }
  if (/unavailable|ECONNREFUSED|deadline|connect/i.test(message)) return unavailable(message);
  return new AgiqaError('internal', `${what}: ${message}`);
}

export function unavailable(message: string, address?: string): AgiqaError {
  const where = address ? ` at ${address}` : '';
  return new AgiqaError(
    'unavailable',
    `Temporal is not reachable${where} (${message}); start the stack with \`npx agiqa up\` or set TEMPORAL_ADDRESS`,
  );
}
