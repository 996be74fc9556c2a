import { describe, expect, it } from 'vitest';
import { AgiqaError, invalidInput } from './errors.js';
import {
  attemptsWithin,
  backoffDelayMs,
  isTransientError,
  OutageBudgetExhausted,
  RETRY_BUDGET,
  retryTransient,
  transientReason,
  type RetryNotice,
} from './transient.js';

/** A socket error as Node raises it. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });
}

/** A Prisma error as the client raises it with a driver adapter (see libs/db transient spec for real ones). */
function prismaError(code: string, adapterCause?: Record<string, unknown>): Error {
  const error = new Error(`\nInvalid \`prisma.run.findMany()\` invocation:\n\n${code} happened`);
  return Object.assign(error, { name: 'PrismaClientKnownRequestError', code, meta: adapterCause ? { driverAdapterError: { cause: adapterCause } } : {} });
}

describe('the retry budget', () => {
  it('backs off exponentially from 1 s, at most 30 s apart', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((r) => backoffDelayMs(r))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('spans 10 minutes in 25 attempts', () => {
    expect(RETRY_BUDGET.totalMs).toBe(600_000);
    const attempts = attemptsWithin();
    const waits = Array.from({ length: attempts - 1 }, (_, i) => backoffDelayMs(i + 1)).reduce((a, b) => a + b, 0);
    expect(attempts).toBe(25);
    expect(waits).toBeGreaterThanOrEqual(600_000);
    expect(waits - backoffDelayMs(attempts - 1)).toBeLessThan(600_000);
  });
});

describe(isTransientError.name, () => {
  it('recognises unreachable databases, dropped connections and overload', () => {
    const transient = [
      socketError('ECONNREFUSED'),
      socketError('ECONNRESET'),
      prismaError('P1001'),
      prismaError('P1017'),
      prismaError('P2024'),
      prismaError('P2028'),
      prismaError('P2010', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }),
      prismaError('P2010', { kind: 'ConnectionClosed' }),
      prismaError('P2010', { kind: 'postgres', code: '57P01', message: 'terminating connection due to administrator command' }),
      prismaError('P2010', { kind: 'postgres', code: '08006', message: 'connection failure' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03', severity: 'FATAL' }),
      new Error('Connection terminated unexpectedly'),
      new AgiqaError('unavailable', 'the artefact store is not reachable'),
      Object.assign(new Error('14 UNAVAILABLE: No connection established'), { name: 'ServiceError', code: 14 }),
      // Anywhere in the cause chain.
      Object.assign(new Error('upload failed'), { cause: socketError('EPIPE') }),
    ];
    for (const error of transient) expect(isTransientError(error), (error as Error).message).toBe(true);
  });

  it('does not retry validation, missing rows, conflicts, other SQL errors or programming errors', () => {
    const permanent = [
      invalidInput('epochs: must be positive'),
      new AgiqaError('not_found', 'run x not found'),
      new AgiqaError('conflict', 'already exists'),
      prismaError('P2002'),
      prismaError('P2025'),
      prismaError('P2010', { kind: 'postgres', code: '22P05', message: 'unsupported Unicode escape sequence' }),
      prismaError('P2010', { kind: 'UniqueConstraintViolation' }),
      Object.assign(new Error('value too long'), { code: '22001', severity: 'ERROR' }),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      socketError('ENOENT'),
      // An AgiqaError decides for its chain: a conflict caused by a socket error is still a conflict.
      Object.assign(new AgiqaError('conflict', 'taken'), { cause: socketError('ECONNRESET') }),
      new OutageBudgetExhausted('the database stayed unreachable', 600_000),
      'ECONNREFUSED',
      null,
    ];
    for (const error of permanent) expect(isTransientError(error), String((error as Error)?.message ?? error)).toBe(false);
  });

  it('says why in a few words, from the last line of a Prisma message', () => {
    expect(transientReason(prismaError('P1001'))).toBe('P1001: P1001 happened');
    expect(transientReason(socketError('ECONNREFUSED'))).toBe('ECONNREFUSED');
  });

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isTransientError(a)).toBe(false);
  });
});

describe(retryTransient.name, () => {
  /** A fake clock whose sleeps advance it, recording the waits. */
  function fakeTime() {
    let t = 0;
    const waits: number[] = [];
    return { waits, now: () => t, sleep: async (ms: number) => void (waits.push(ms), (t += ms)) };
  }

  it('retries transient failures with backoff and reports the recovery', async () => {
    const time = fakeTime();
    const notices: RetryNotice[] = [];
    let calls = 0;
    let recovered: number | undefined;
    const result = await retryTransient(
      async () => {
        calls += 1;
        if (calls <= 3) throw socketError('ECONNREFUSED');
        return 'ok';
      },
      { what: 'the database', ...time, onRetry: (n) => notices.push(n), onRecovered: (ms) => (recovered = ms) },
    );
    expect(result).toBe('ok');
    expect(time.waits).toEqual([1000, 2000, 4000]);
    expect(notices.map((n) => [n.retry, n.delayMs, n.outageMs, n.reason])).toEqual([
      [1, 1000, 0, 'ECONNREFUSED'],
      [2, 2000, 1000, 'ECONNREFUSED'],
      [3, 4000, 3000, 'ECONNREFUSED'],
    ]);
    expect(recovered).toBe(7000);
  });

  it('rethrows anything that is not transient at once', async () => {
    const time = fakeTime();
    const bad = invalidInput('nope');
    await expect(retryTransient(async () => Promise.reject(bad), { what: 'the database', ...time })).rejects.toBe(bad);
    expect(time.waits).toEqual([]);
  });

  it('gives up after the budget with an error that names the dependency and is not retried again', async () => {
    const time = fakeTime();
    const error = await retryTransient(async () => Promise.reject(socketError('ECONNREFUSED')), { what: 'the database', ...time }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutageBudgetExhausted);
    const exhausted = error as OutageBudgetExhausted;
    expect(exhausted.code).toBe('unavailable');
    expect(exhausted.message).toMatch(/^the database stayed unreachable for \d+ s \(25 attempts, retry budget 600 s\): ECONNREFUSED$/);
    const waited = time.waits.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(RETRY_BUDGET.totalMs);
    expect(waited).toBeLessThan(RETRY_BUDGET.totalMs + RETRY_BUDGET.maximumIntervalMs);
    expect(time.waits).toHaveLength(attemptsWithin() - 1);
    expect(isTransientError(exhausted)).toBe(false);
  });

  it('stops waiting when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = retryTransient(async () => Promise.reject(socketError('ECONNREFUSED')), { what: 'the database', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(pending).rejects.toThrow('cancelled');
  });
});
