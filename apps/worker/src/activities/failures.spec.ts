import { describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { AgiqaError, invalidInput, OutageBudgetExhausted } from '@agiqa/contracts';
import { toActivityFailure, UNKNOWN_ERROR_ATTEMPTS, withFailureMapping } from './failures.js';
import { OutageLog } from './outage-log.js';

describe(toActivityFailure.name, () => {
  it('turns bad input into a non-retryable failure typed by its code, keeping message and details', () => {
    const failure = toActivityFailure(invalidInput('grid: epochs must be positive', [{ path: 'epochs', message: 'must be positive' }]));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'invalid_input', nonRetryable: true, message: 'grid: epochs must be positive' });
    expect((failure as ApplicationFailure).details).toEqual([[{ path: 'epochs', message: 'must be positive' }]]);
  });

  it('keeps an unavailable dependency retryable', () => {
    expect(toActivityFailure(new AgiqaError('unavailable', 'database down'))).toMatchObject({ type: 'unavailable', nonRetryable: false });
  });

  it('makes a transient error (the database unreachable) a retryable unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 });
    // Retried whatever the attempt: the retry policy's attempts span the outage budget.
    expect(toActivityFailure(refused, 20)).toMatchObject({ type: 'unavailable', nonRetryable: false, message: 'a dependency is unreachable: ECONNREFUSED' });
  });

  it('fails for good once the outage budget is spent', () => {
    const exhausted = new OutageBudgetExhausted('the database stayed unreachable for 601 s', 601_000);
    expect(toActivityFailure(exhausted)).toMatchObject({ type: 'unavailable', nonRetryable: true, message: 'the database stayed unreachable for 601 s' });
  });

  it('gives an unclassified error a few attempts, then fails it with its message', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(toActivityFailure(bug, UNKNOWN_ERROR_ATTEMPTS - 1)).toBe(bug);
    expect(toActivityFailure(bug, UNKNOWN_ERROR_ATTEMPTS)).toMatchObject({ type: 'internal', nonRetryable: true, message: bug.message });
    expect(toActivityFailure(new AgiqaError('internal', 'invariant broken'), UNKNOWN_ERROR_ATTEMPTS)).toMatchObject({ type: 'internal', nonRetryable: true });
  });

  it('passes cancellations through unchanged', () => {
    const cancelled = new CancelledFailure('cancelled');
    expect(toActivityFailure(cancelled)).toBe(cancelled);
  });
});

describe(OutageLog.name, () => {
  it('logs one line when an outage starts and one with its length when it ends', () => {
    const lines: string[] = [];
    let now = 1000;
    const outages = new OutageLog((line) => lines.push(line), () => now);
    outages.succeeded();
    outages.failed('beginAttempt: ECONNREFUSED');
    now += 5000;
    outages.failed('recordResults: ECONNREFUSED');
    expect(outages.current()).toEqual({ since: 1000, failures: 2 });
    now += 57_300;
    outages.succeeded();
    outages.succeeded();
    expect(lines).toEqual([
      'outage: beginAttempt: ECONNREFUSED; activities are retried with backoff for up to 10 minutes',
      'outage over after 62.3 s (2 transient failure(s) retried)',
    ]);
    expect(outages.current()).toBeNull();
  });
});

describe(withFailureMapping.name, () => {
  it('maps what every wrapped activity throws and keeps its name', async () => {
    const wrapped = withFailureMapping({
      async loadThing(_id: string): Promise<string> {
        throw new AgiqaError('not_found', 'thing x not found');
      },
    });
    expect(wrapped.loadThing.name).toBe('loadThing');
    await expect(wrapped.loadThing('x')).rejects.toMatchObject({ type: 'not_found', nonRetryable: true });
  });

  it('reports transient failures and the recovery to the outage log', async () => {
    const lines: string[] = [];
    let up = false;
    const wrapped = withFailureMapping(
      {
        async beginAttempt(): Promise<string> {
          if (!up) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          return 'ok';
        },
      },
      new OutageLog((line) => lines.push(line)),
    );
    await expect(wrapped.beginAttempt()).rejects.toMatchObject({ type: 'unavailable' });
    up = true;
    expect(await wrapped.beginAttempt()).toBe('ok');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('beginAttempt: ECONNREFUSED');
    expect(lines[1]).toMatch(/^outage over after/);
  });
});
