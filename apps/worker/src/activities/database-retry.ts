import type { Context } from '@temporalio/activity';
import { retryTransient } from '@agiqa/contracts';

/** Runs a database call, retrying it through an outage. */
export type DatabaseRetry = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Database calls of a long activity (training, feature extraction, latency), retried in process
 * through an outage (`RETRY_BUDGET`) instead of failing the attempt: hours of training or
 * extraction are not thrown away, and the attempt is not spent, because the database was away for
 * a minute. The activity must keep heartbeating meanwhile (an interval, or `heartbeat` here, which
 * is called before each wait); a cancellation stops the wait. Each call must be idempotent.
 */
export function databaseRetry(context: Context, heartbeat?: () => void): DatabaseRetry {
  return (fn) =>
    retryTransient(fn, {
      what: 'the database',
      signal: context.cancellationSignal,
      onRetry: (notice) => {
        heartbeat?.();
        context.log.warn(
          `the database is unreachable (${notice.reason}); retry ${notice.retry} in ${notice.delayMs / 1000} s, ${Math.round(notice.outageMs / 1000)} s into the outage`,
        );
      },
      onRecovered: (outageMs) => context.log.info(`the database is reachable again after ${Math.round(outageMs / 1000)} s`),
    });
}
