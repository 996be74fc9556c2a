import { AgiqaError, OutageBudgetExhausted } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { isTransientStoreError, storeError } from './errors.js';

describe(isTransientStoreError.name, () => {
  it('retries what the stores report as unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
    expect(isTransientStoreError(storeError(refused, 's3://b/p', 'put', 'runs/r/attempt-1/checkpoints/latest.ckpt'))).toBe(true);
  });

  it('retries raw S3 answers that mean "later" (5xx, throttling)', () => {
    expect(isTransientStoreError(Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }))).toBe(true);
  });

  it('agrees with the platform classification on errors the store itself does not list', () => {
    // ENETDOWN and a Prisma-style connection error deep in the cause chain: transient for the database, so for the store too.
    expect(isTransientStoreError(Object.assign(new Error('network is down'), { code: 'ENETDOWN' }))).toBe(true);
    expect(isTransientStoreError(new Error('upload failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe(true);
  });

  it('does not retry a missing key, refused credentials, or an outage whose budget ran out', () => {
    expect(isTransientStoreError(new AgiqaError('not_found', 'artefact store: get x: NoSuchKey'))).toBe(false);
    expect(isTransientStoreError(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))).toBe(false);
    expect(isTransientStoreError(new OutageBudgetExhausted('the artefact store stayed unreachable for 600 s', 600_000))).toBe(false);
  });
});
