import { isTransientStoreError } from './errors.js';

export interface StoreRetryOptions {
  /** Give up (rethrowing the last failure) after this long. */
  timeoutMs: number;
  /** Called before each wait, e.g. to heartbeat and log. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops waiting (rethrowing the last failure) once aborted. */
  signal?: AbortSignal;
}

/**
 * Runs `operation`, retrying while the store is unreachable (`isTransientStoreError`), with backoff
 * from 0.5 s to 10 s, for at most `timeoutMs`. For work that is done and must not be lost to a
 * short outage (the result of a finished training); everything else fails its activity and is
 * retried by the activity's retry policy.
 */
export async function retryWhileUnavailable<T>(operation: () => Promise<T>, options: StoreRetryOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      const delayMs = Math.min(10_000, 500 * 2 ** (attempt - 1));
      if (!isTransientStoreError(error) || options.signal?.aborted || Date.now() + delayMs > deadline) throw error;
      options.onRetry?.(error, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
