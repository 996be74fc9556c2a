import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { AgiqaError } from '@agiqa/contracts';
import { NON_RETRYABLE_CODES } from '../workflows/policies.js';

const nonRetryable = new Set<string>(NON_RETRYABLE_CODES);

/**
 * The one place where domain errors become Temporal failures. An AgiqaError keeps its message and
 * details and gets its code as the failure type; bad config or data (`invalid_input`, `not_found`,
 * ...) is non-retryable, so the cell fails at once with the message. Anything else stays retryable.
 */
export function toActivityFailure(error: unknown): unknown {
  if (error instanceof CancelledFailure || error instanceof ApplicationFailure) return error;
  if (error instanceof AgiqaError) {
    return ApplicationFailure.create({
      type: error.code,
      message: error.message,
      nonRetryable: nonRetryable.has(error.code),
      details: error.details.length > 0 ? [error.details] : undefined,
    });
  }
  return error;
}

type AsyncFunctions = Record<string, (...args: never[]) => Promise<unknown>>;

/** Wraps every activity of `activities` so that what it throws goes through `toActivityFailure`. */
export function withFailureMapping<T extends AsyncFunctions>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    const activity = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        throw toActivityFailure(error);
      }
    };
    // Temporal registers activities by property name; keep the function name for logs and stack traces.
    Object.defineProperty(activity, 'name', { value: name });
    wrapped[name] = activity;
  }
  return wrapped as T;
}
