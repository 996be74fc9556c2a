import { describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { AgiqaError, invalidInput } from '@agiqa/contracts';
import { toActivityFailure, withFailureMapping } from './failures.js';

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

  it('passes other errors and cancellations through unchanged', () => {
    const plain = new Error('ECONNRESET');
    const cancelled = new CancelledFailure('cancelled');
    expect(toActivityFailure(plain)).toBe(plain);
    expect(toActivityFailure(cancelled)).toBe(cancelled);
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
});
