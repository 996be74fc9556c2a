/** What a store holds under a key. */
export interface StoredObject {
  key: string;
  size: number;
  /** Hex sha256 of the content when the store knows it (S3 object metadata written by `put*`); null otherwise. */
  sha256: string | null;
}

/**
 * One backend of the artefact store: a folder (`FileArtifactStore`) or an S3-compatible bucket
 * (`S3ArtifactStore`). Every write is atomic: a key appears with all of its content or not at all,
 * also when the writer is killed mid-upload. Failures are AgiqaErrors classified by
 * `classifyStoreError` (`unavailable` = retry later, `not_found`, `forbidden`, `invalid_input`).
 */
export interface ArtifactStore {
  /** `file:///…` or `s3://bucket/prefix`: for messages and the operator view, never stored in rows. */
  readonly location: string;
  /** Stores a local file under `key` (multipart for large files on S3). */
  putFile(key: string, path: string): Promise<StoredObject>;
  putBytes(key: string, bytes: Uint8Array | string): Promise<StoredObject>;
  /** Null when there is no such key. */
  stat(key: string): Promise<StoredObject | null>;
  /** The whole object; `not_found` when missing. */
  getBytes(key: string): Promise<Buffer>;
  /** Writes the object to `path` (temp file + rename: `path` is whole or absent). */
  download(key: string, path: string): Promise<StoredObject>;
  /** Objects whose key starts with `prefix/` (recursive), in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Deletes every object under `prefix/`; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Where the object already is on this machine (a folder store), so that readers skip the copy;
   * undefined for remote stores.
   */
  localPath?(key: string): string;
  /** Checks that the store is reachable and writable; fails with a message that says what to fix. */
  check(): Promise<void>;
  close(): Promise<void>;
}
