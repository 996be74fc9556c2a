// The S3 backend uses the AWS SDK for JavaScript v3 (@aws-sdk/client-s3, and @aws-sdk/lib-storage
// for multipart uploads), pinned in package.json: a maintained client that every S3-compatible
// service is tested against, with SigV4 signing, payload checksums and its own retries.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AgiqaError } from '@agiqa/contracts';
import { classifyStoreError, DamagedObjectError, storeError } from './errors.js';
import { sha256Bytes, sha256File, tempBeside } from './hash.js';
import { assertKey } from './keys.js';
import type { ArtifactStore, StoredObject } from './store.js';

/** Connection settings of an S3-compatible service; see `s3SettingsFromEnv` for where they come from. */
export interface S3Settings {
  bucket: string;
  /** Key prefix inside the bucket ('' for none). */
  prefix: string;
  /** `https://host:port` of a non-AWS service; undefined for AWS itself. */
  endpoint?: string;
  region: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most self-hosted services. */
  forcePathStyle: boolean;
  /** Explicit credentials; undefined: the SDK's default chain (profiles, instance roles, web identity). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Files larger than this are uploaded in parts of this size (≥ 5 MiB, the S3 minimum). */
  partSize?: number;
  /** Parts uploaded at once. */
  queueSize?: number;
  /** Attempts per request by the SDK before the failure reaches the caller (default 3). */
  maxAttempts?: number;
}

/** Object metadata key holding the content's sha256 (the local cache's content key). */
const SHA256_META = 'sha256';
const MiB = 1024 * 1024;

/**
 * The artefact store in an S3 bucket. Keys live under `prefix/`. A single PUT or a completed
 * multipart upload is atomic in S3: a killed uploader leaves no key, and a failed multipart upload
 * is aborted here (`leavePartsOnError: false`); parts orphaned by a killed process are invisible
 * as keys and removed by `abortIncompleteUploads` (the worker calls it at start-up) or a bucket
 * lifecycle rule.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(private readonly settings: S3Settings) {
    this.location = `s3://${settings.bucket}${settings.prefix ? `/${settings.prefix}` : ''}`;
    this.partSize = Math.max(5 * MiB, settings.partSize ?? 16 * MiB);
    this.queueSize = settings.queueSize ?? 4;
    this.client = new S3Client({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      forcePathStyle: settings.forcePathStyle,
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      maxAttempts: settings.maxAttempts ?? 3,
      // A dead endpoint fails fast (and is retried by the caller's policy) instead of hanging.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
  }

  async putFile(key: string, path: string): Promise<StoredObject> {
    return this.guard('put', key, async (objectKey) => {
      const [sha256, info] = await Promise.all([sha256File(path), stat(path)]);
      await this.upload(objectKey, createReadStream(path), sha256);
      return { key, size: info.size, sha256 };
    });
  }

  async putBytes(key: string, bytes: Uint8Array | string): Promise<StoredObject> {
    return this.guard('put', key, async (objectKey) => {
      const body = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
      const sha256 = sha256Bytes(body);
      await this.upload(objectKey, body, sha256);
      return { key, size: body.byteLength, sha256 };
    });
  }

  async stat(key: string): Promise<StoredObject | null> {
    return this.guard('stat', key, async (objectKey) => {
      try {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: objectKey }));
        return { key, size: head.ContentLength ?? 0, sha256: head.Metadata?.[SHA256_META] ?? null };
      } catch (error) {
        if (classifyStoreError(error) === 'not_found') return null;
        throw error;
      }
    });
  }

  async getBytes(key: string): Promise<Buffer> {
    return this.guard('get', key, async (objectKey) => {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: objectKey }));
      const bytes = Buffer.from(await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      verify(key, response.Metadata?.[SHA256_META], sha256Bytes(bytes));
      return bytes;
    });
  }

  async download(key: string, path: string): Promise<StoredObject> {
    return this.guard('get', key, async (objectKey) => {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: objectKey }));
      await mkdir(dirname(path), { recursive: true });
      const temp = tempBeside(path);
      const hash = createHash('sha256');
      let size = 0;
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      try {
        await pipeline(response.Body as Readable, hashing, createWriteStream(temp));
        const sha256 = hash.digest('hex');
        verify(key, response.Metadata?.[SHA256_META], sha256);
        await rename(temp, path);
        return { key, size, sha256 };
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    });
  }

  async list(prefix: string): Promise<StoredObject[]> {
    return this.guard('list', prefix, async (objectPrefix) => {
      const found: StoredObject[] = [];
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: `${objectPrefix}/`, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key) found.push({ key: this.keyOf(object.Key), size: object.Size ?? 0, sha256: null });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return found;
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    await this.guard('delete', prefix, async () => {
      for (let i = 0; i < objects.length; i += 1000) {
        const batch = objects.slice(i, i + 1000).map((o) => ({ Key: this.objectKey(o.key) }));
        const result = await this.client.send(new DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects: batch, Quiet: true } }));
        if (result.Errors?.length) throw new AgiqaError('unavailable', `could not delete ${result.Errors.length} objects, e.g. ${result.Errors[0].Key}: ${result.Errors[0].Message}`);
      }
    });
    return objects.length;
  }

  /**
   * Aborts multipart uploads under the prefix started more than `olderThanMs` ago: the parts a
   * killed uploader left behind (they never became a key, but they take space). Returns how many.
   */
  async abortIncompleteUploads(olderThanMs: number): Promise<number> {
    return this.guard('abort-uploads', '', async (objectPrefix) => {
      let aborted = 0;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      const cutoff = Date.now() - olderThanMs;
      do {
        const page = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.settings.bucket, Prefix: objectPrefix ? `${objectPrefix}/` : undefined, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId || (upload.Initiated && upload.Initiated.getTime() > cutoff)) continue;
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.settings.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          aborted += 1;
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
      return aborted;
    });
  }

  async check(): Promise<void> {
    await this.guard('check', '', async () => {
      await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
    }).catch((error: AgiqaError) => {
      if (error.code === 'not_found') throw new AgiqaError('invalid_input', `${error.message} (bucket ${this.settings.bucket} does not exist: create it, or fix AGIQA_ARTIFACTS)`);
      throw error;
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Uploads a body under the object key: one PUT below `partSize`, multipart above. */
  private async upload(objectKey: string, body: Readable | Uint8Array, sha256: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.settings.bucket, Key: objectKey, Body: body, Metadata: { [SHA256_META]: sha256 } },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  private objectKey(key: string): string {
    return this.settings.prefix ? `${this.settings.prefix}/${key}` : key;
  }

  private keyOf(objectKey: string): string {
    return this.settings.prefix ? objectKey.slice(this.settings.prefix.length + 1) : objectKey;
  }

  private async guard<T>(operation: string, key: string, body: (objectKey: string) => Promise<T>): Promise<T> {
    const objectKey = key === '' ? this.settings.prefix : this.objectKey(assertKey(key));
    try {
      return await body(objectKey);
    } catch (error) {
      throw checksumMismatch(key, error) ?? storeError(error, this.location, operation, key || '(bucket)');
    }
  }
}

/**
 * The SDK's own check of a response against the checksum the server recorded at upload
 * (`x-amz-checksum-crc32` and kin) fails with a plain Error: it is the same damaged read as ours.
 */
function checksumMismatch(key: string, error: unknown): DamagedObjectError | null {
  const message = error instanceof Error ? error.message : '';
  const match = /^Checksum mismatch: expected "([^"]*)" but received "([^"]*)" in response header "x-amz-checksum-([a-z0-9]+)"/.exec(message);
  return match ? new DamagedObjectError(key, match[1], match[2], match[3]) : null;
}

/** A read that does not match the sha256 recorded at upload is refused (and retried as transient). */
function verify(key: string, expected: string | undefined, actual: string): void {
  if (expected && expected !== actual) throw new DamagedObjectError(key, expected, actual);
}
