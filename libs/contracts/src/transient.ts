/**
 * Outages of a dependency (the database; the artefact store) in one place: which errors are
 * transient, how long and how often they are retried, and the retry loop itself.
 *
 * - `isTransientError(error)`: the error says a dependency could not be reached or dropped the
 *   connection, so the same call may succeed later. Validation errors, missing rows, conflicts and
 *   programming errors are not transient.
 * - `RETRY_BUDGET`: capped exponential backoff (1 s, doubling, at most 30 s apart) for at most
 *   10 minutes of outage in total. The worker's Temporal retry policies and the in-process
 *   `retryTransient` both derive from it.
 * - `retryTransient(fn, options)`: runs `fn`, retrying transient failures within the budget; past
 *   it, throws `OutageBudgetExhausted` (an `unavailable` AgiqaError that is no longer retried).
 *
 * A component that knows an error of its own is transient (an S3 endpoint that refuses the
 * connection) throws `new AgiqaError('unavailable', …)` or lets the Node error (`ECONNREFUSED`,
 * …) through as a `cause`: both are recognised anywhere in the cause chain.
 *
 * Recognised by structure (names, codes), so that this module imports no driver: Prisma's
 * connection errors (P1001 …) and its driver-adapter error kinds, PostgreSQL SQLSTATEs (class 08
 * connection exceptions, 57P01–57P03 shutdowns, 53300 too many connections, 40001/40P01
 * serialisation failures and deadlocks), node-postgres' "Connection terminated", Node socket error
 * codes, and gRPC UNAVAILABLE from a Temporal client.
 */
import { AgiqaError } from './errors.js';

/** How a transient failure is retried. */
export interface RetryBudget {
  /** First wait after a failure. */
  initialIntervalMs: number;
  /** Each wait is this many times the previous one … */
  backoffCoefficient: number;
  /** … but never longer than this. */
  maximumIntervalMs: number;
  /** Give up once the waits since the first failure add up to this much. */
  totalMs: number;
}

/** The platform's budget: outages up to 10 minutes are ridden out. */
export const RETRY_BUDGET: RetryBudget = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
  totalMs: 10 * 60_000,
};

/** The wait before retry number `retry` (1-based): capped exponential backoff. */
export function backoffDelayMs(retry: number, budget: RetryBudget = RETRY_BUDGET): number {
  const delay = budget.initialIntervalMs * budget.backoffCoefficient ** Math.max(0, retry - 1);
  return Math.min(budget.maximumIntervalMs, delay);
}

/**
 * Attempts (the first call plus its retries) whose waits cover `budget.totalMs`: what a retry
 * policy that counts attempts needs to ride out the same outage. 25 for `RETRY_BUDGET`.
 */
export function attemptsWithin(budget: RetryBudget = RETRY_BUDGET): number {
  let waited = 0;
  let retries = 0;
  while (waited < budget.totalMs) waited += backoffDelayMs(++retries, budget);
  return retries + 1;
}

/** The retry budget ran out: the dependency stayed unreachable for too long. Not retried again. */
export class OutageBudgetExhausted extends AgiqaError {
  constructor(
    message: string,
    readonly outageMs: number,
  ) {
    super('unavailable', message);
    this.name = 'OutageBudgetExhausted';
  }
}

/** Prisma error codes that mean the database could not be reached or dropped the connection. */
const PRISMA_TRANSIENT = new Set([
  'P1001', // can't reach database server
  'P1002', // database server reached but timed out
  'P1008', // operations timed out
  'P1017', // server has closed the connection
  'P2024', // timed out fetching a connection from the pool
  'P2028', // transaction API error: could not start in time / already closed (connection lost)
  'P2034', // write conflict or deadlock: retry the transaction
]);

/** Driver-adapter error kinds (`meta.driverAdapterError.cause.kind`) of the same meaning. */
const ADAPTER_TRANSIENT = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
  'TransactionAlreadyClosed',
]);

/** PostgreSQL SQLSTATEs: connection exceptions, shutdowns, overload, serialisation and deadlock. */
const SQLSTATE_TRANSIENT = /^(08...|57P0[123]|53300|40001|40P01)$/;

/** Node socket error codes: nothing listens, the peer went away, the network is down. */
const SOCKET_TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/** Messages of errors that carry no code (node-postgres, Prisma's raw-query wrapper). */
const MESSAGE_TRANSIENT = [
  /Connection terminated/i,
  /Can't reach database server/i,
  /server closed the connection unexpectedly/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
];

const GRPC_UNAVAILABLE = 14;

/** Why `error` is transient, in a few words, or null when it is not. Walks the cause chain. */
export function transientReason(error: unknown): string | null {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current); current = causeOf(current)) {
    seen.add(current);
    const reason = ownReason(current as Record<string, unknown>);
    if (reason === false) return null;
    if (reason !== null) return reason;
  }
  return null;
}

/** Whether retrying `error` later may succeed (see the module comment). */
export function isTransientError(error: unknown): boolean {
  return transientReason(error) !== null;
}

/** A reason, `false` when this link settles that the chain is not transient, null to look deeper. */
function ownReason(error: Record<string, unknown>): string | false | null {
  if (error instanceof OutageBudgetExhausted) return false;
  if (error instanceof AgiqaError) return error.code === 'unavailable' ? error.message : false;
  const code = typeof error.code === 'string' || typeof error.code === 'number' ? error.code : undefined;
  const name = typeof error.name === 'string' ? error.name : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (name.startsWith('PrismaClient')) {
    const kind = adapterKind(error);
    if (typeof code === 'string' && PRISMA_TRANSIENT.has(code)) return `${code}: ${lastLine(message) || kind || 'connection error'}`;
    if (kind !== null && ADAPTER_TRANSIENT.has(kind)) return kind;
    const sqlState = adapterSqlState(error);
    if (sqlState !== null && SQLSTATE_TRANSIENT.test(sqlState)) return `SQLSTATE ${sqlState}`;
  }
  if (typeof code === 'string' && SOCKET_TRANSIENT.has(code)) return code;
  if (typeof code === 'string' && SQLSTATE_TRANSIENT.test(code) && typeof error.severity === 'string') return `SQLSTATE ${code}: ${message}`;
  if (code === GRPC_UNAVAILABLE && name === 'ServiceError') return `gRPC UNAVAILABLE: ${lastLine(message)}`;
  const matched = MESSAGE_TRANSIENT.find((pattern) => pattern.test(message));
  if (matched) return lastLine(message.slice(message.search(matched)));
  return null;
}

function causeOf(error: object): unknown {
  const { cause, originalError } = error as { cause?: unknown; originalError?: unknown };
  return cause ?? originalError;
}

/** Prisma ≥ 6 with a driver adapter: `meta.driverAdapterError.cause.kind`. */
function adapterKind(error: Record<string, unknown>): string | null {
  const cause = adapterCause(error);
  return typeof cause?.kind === 'string' ? cause.kind : null;
}

function adapterSqlState(error: Record<string, unknown>): string | null {
  const cause = adapterCause(error);
  return cause?.kind === 'postgres' && typeof cause.code === 'string' ? cause.code : null;
}

function adapterCause(error: Record<string, unknown>): Record<string, unknown> | null {
  const meta = error.meta as { driverAdapterError?: { cause?: Record<string, unknown> } } | undefined;
  return meta?.driverAdapterError?.cause ?? null;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1)?.trim() ?? '';
}

/** What `retryTransient` tells its caller before each wait. */
export interface RetryNotice {
  /** Retry number about to be made (1 = the second call). */
  retry: number;
  delayMs: number;
  /** Time since the first failure of this outage. */
  outageMs: number;
  reason: string;
  error: unknown;
}

export interface RetryTransientOptions {
  /** What is being reached, for messages: "the database". */
  what: string;
  budget?: RetryBudget;
  /** Called before each wait (log it; heartbeat a long activity). */
  onRetry?: (notice: RetryNotice) => void;
  /** Called once when a call succeeds after failures, with how long the outage lasted. */
  onRecovered?: (outageMs: number) => void;
  /** Stops waiting: the wait rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Clock, for tests. */
  now?: () => number;
  /** Waits `ms` (or rejects when `signal` aborts); for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs `fn` and retries it while it fails with a transient error, waiting as `budget` says. Any
 * other error is rethrown at once. Once the waits add up to `budget.totalMs` (after the attempts
 * `attemptsWithin(budget)` counts), the last error becomes an `OutageBudgetExhausted` naming `what`
 * and how long it was unreachable. `fn` must be safe to call again (idempotent, or a transaction
 * that rolled back).
 */
export async function retryTransient<T>(fn: () => Promise<T>, options: RetryTransientOptions): Promise<T> {
  const budget = options.budget ?? RETRY_BUDGET;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  let firstFailure: number | null = null;
  let waited = 0;
  for (let retry = 1; ; retry++) {
    try {
      const result = await fn();
      if (firstFailure !== null) options.onRecovered?.(now() - firstFailure);
      return result;
    } catch (error) {
      const reason = transientReason(error);
      if (reason === null) throw error;
      firstFailure ??= now();
      const delayMs = backoffDelayMs(retry, budget);
      const outageMs = now() - firstFailure;
      if (waited >= budget.totalMs) {
        const exhausted = new OutageBudgetExhausted(
          `${options.what} stayed unreachable for ${Math.round(outageMs / 1000)} s (${retry} attempts, retry budget ${Math.round(budget.totalMs / 1000)} s): ${reason}`,
          outageMs,
        );
        exhausted.cause = error;
        throw exhausted;
      }
      options.onRetry?.({ retry, delayMs, outageMs, reason, error });
      await sleep(delayMs, options.signal);
      waited += delayMs;
    }
  }
}

/** `setTimeout` as a promise that rejects with the signal's reason when `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
