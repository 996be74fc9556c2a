import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { AgiqaError, OutageBudgetExhausted, transientReason } from '@agiqa/contracts';
import { NON_RETRYABLE_CODES } from '../workflows/policies.js';
import type { OutageLog } from './outage-log.js';

const nonRetryable = new Set<string>(NON_RETRYABLE_CODES);

/**
 * Attempts an activity gets for an error nobody classified (a bug, a crash of a library): enough
 * for a fluke, few enough that a cell with a real bug fails in seconds, not after the outage budget.
 */
export const UNKNOWN_ERROR_ATTEMPTS = 3;

/**
 * The one place where errors become Temporal failures:
 * - an AgiqaError keeps its message and details and gets its code as the failure type; bad config
 *   or data (`invalid_input`, `not_found`, …) is non-retryable, so the cell fails at once; an
 *   `unavailable` one is retried like a transient error;
 * - a transient error (the database or another dependency unreachable, `isTransientError`) is a
 *   retryable `unavailable`: the activity's retry policy rides out the outage (`RETRY_BUDGET`);
 * - the outage budget spent (`OutageBudgetExhausted`) is a non-retryable `unavailable`;
 * - anything else (and `internal`) is retried until attempt `UNKNOWN_ERROR_ATTEMPTS`, then fails
 *   for good with its message.
 * `attempt` is the activity attempt that threw (1-based).
 */
export function toActivityFailure(error: unknown, attempt = 1): unknown {
  if (error instanceof CancelledFailure || error instanceof ApplicationFailure) return error;
  if (error instanceof OutageBudgetExhausted) return ApplicationFailure.create({ type: 'unavailable', message: error.message, nonRetryable: true });
  if (error instanceof AgiqaError && error.code !== 'internal') {
    return ApplicationFailure.create({
      type: error.code,
      message: error.message,
      nonRetryable: nonRetryable.has(error.code),
      details: error.details.length > 0 ? [error.details] : undefined,
    });
  }
  const reason = transientReason(error);
  if (reason !== null) return ApplicationFailure.create({ type: 'unavailable', message: `a dependency is unreachable: ${reason}` });
  // `internal` AgiqaErrors and anything unclassified: a few attempts, then the cell fails with the
  // error's own message and stack.
  const type = 'internal';
  if (attempt >= UNKNOWN_ERROR_ATTEMPTS) return ApplicationFailure.fromError(error, { type, nonRetryable: true });
  return error instanceof AgiqaError ? ApplicationFailure.fromError(error, { type }) : error;
}

type AsyncFunctions = Record<string, (...args: never[]) => Promise<unknown>>;

/**
 * Wraps every activity of `activities` so that what it throws goes through `toActivityFailure`,
 * and transient failures and recoveries reach `outages` (the worker's log of an outage).
 */
export function withFailureMapping<T extends AsyncFunctions>(activities: T, outages?: OutageLog): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    const activity = async (...args: never[]) => {
      try {
        const result = await fn(...args);
        outages?.succeeded();
        return result;
      } catch (error) {
        const reason = transientReason(error);
        if (reason !== null) outages?.failed(`${name}: ${reason}`);
        throw toActivityFailure(error, currentAttempt());
      }
    };
    // Temporal registers activities by property name; keep the function name for logs and stack traces.
    Object.defineProperty(activity, 'name', { value: name });
    wrapped[name] = activity;
  }
  return wrapped as T;
}

/** The running activity's attempt, or 1 outside an activity (a direct call in a test). */
function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

