import { AgiqaError, isTransientError, type ErrorCode } from '@agiqa/contracts';

/**
 * An object whose bytes do not match the digest recorded when it was stored. Read once, it is
 * `unavailable`: most such reads are a damaged transfer, which the next read fixes. `atRest`: two
 * reads gave the same wrong bytes (`Artifacts.materializeFile`), so the damage is in the store and
 * no retry fixes it: `internal` (a short retry budget, then the cell fails naming the object).
 */
export class DamagedObjectError extends AgiqaError {
  constructor(
    readonly key: string,
    readonly expected: string,
    readonly actual: string,
    /** `sha256` (recorded by this platform) or the S3 checksum the SDK checked (e.g. `crc32`). */
    readonly digest = 'sha256',
    readonly atRest = false,
  ) {
    super(
      atRest ? 'internal' : 'unavailable',
      atRest
        ? `object ${key} is damaged in the store: two reads gave ${digest} ${actual}, stored as ${expected}`
        : `object ${key} arrived with ${digest} ${actual}, stored as ${expected} (damaged in transfer or in the store)`,
    );
  }
}

/**
 * How a failure of the artefact store is classified, in one function (see the worker's retry
 * policies: `unavailable` and `internal` are retried with backoff, the rest fail the cell with the
 * message). Connection-level failures of an S3 service (refused, reset, timed out, DNS, 5xx,
 * throttling) are transient; a missing key is `not_found`; refused credentials or a missing bucket
 * are configuration errors that no retry fixes.
 */
export function classifyStoreError(error: unknown): ErrorCode {
  if (error instanceof AgiqaError) return error.code;
  const e = error as { name?: string; code?: string; cause?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const code = e?.code ?? (e?.cause as { code?: string } | undefined)?.code;
  const name = e?.name ?? '';
  const status = e?.$metadata?.httpStatusCode;
  // Refused credentials, by name first: versitygw answers an unknown access key with a 404.
  if (CREDENTIAL_NAMES.has(name)) return 'forbidden';
  if (code === 'ENOENT' || name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return name === 'NoSuchBucket' ? 'invalid_input' : 'not_found';
  }
  if (name === 'NoSuchBucket') return 'invalid_input';
  if (code === 'EACCES' || code === 'EPERM' || status === 401 || status === 403) return 'forbidden';
  if (TRANSIENT_CODES.has(code ?? '') || TRANSIENT_NAMES.has(name) || e?.$retryable !== undefined) return 'unavailable';
  if (status !== undefined && (status >= 500 || status === 408 || status === 429)) return 'unavailable';
  return 'internal';
}

/**
 * Whether the store was out of reach (retrying later should succeed): what in-activity waits retry
 * on. The platform's one classification (`isTransientError`, @agiqa/contracts) decides, so the
 * store and the database agree on what an outage is; an error the stores did not wrap yet (a raw
 * S3 SDK error) is first classified by the store's own shapes (5xx, throttling, SDK transport).
 */
export function isTransientStoreError(error: unknown): boolean {
  if (error instanceof AgiqaError) return isTransientError(error);
  return isTransientError(error) || classifyStoreError(error) === 'unavailable';
}

const CREDENTIAL_NAMES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken', 'XAdminUserNotFound']);

// Node socket / DNS errors and the SDK's own transport errors.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOSPC',
  'EIO',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeTooSkewed', 'SlowDown', 'ServiceUnavailable', 'InternalError', 'AbortError']);

/**
 * Wraps a store failure as an AgiqaError whose code says whether to retry and whose message names
 * the store, the operation and the key (e.g. `unavailable: artefact store s3://b/p: put runs/…:
 * connect ECONNREFUSED 127.0.0.1:9000`).
 */
export function storeError(error: unknown, store: string, operation: string, key: string): AgiqaError {
  if (error instanceof AgiqaError) return error;
  const code = classifyStoreError(error);
  const e = error as { name?: string; message?: string; code?: string; cause?: { message?: string } };
  const detail = [e?.code, e?.message || e?.name, e?.cause?.message].filter(Boolean).join(': ') || String(error);
  const hint =
    code === 'forbidden'
      ? ' (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the folder permissions)'
      : code === 'invalid_input'
        ? ' (create the bucket, or fix AGIQA_ARTIFACTS)'
        : '';
  return new AgiqaError(code, `artefact store ${store}: ${operation} ${key}: ${detail}${hint}`);
}
