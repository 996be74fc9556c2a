import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import { DamagedObjectError } from './errors.js';
import { sha256Bytes, sha256File } from './hash.js';
import { assertKey } from './keys.js';
import type { LocalCache, LocalCopy } from './local-cache.js';
import type { ArtifactStore, StoredObject } from './store.js';

/** Name of the object that marks a tree complete; written last by `putTree`. */
export const TREE_MANIFEST = '.agiqa-tree.json';

/** The content of a tree's manifest: every file with its size and sha256. */
export interface TreeManifest {
  format: 'agiqa-tree/1';
  files: { name: string; size: number; sha256: string }[];
}

/**
 * What the platform uses to read and write artefacts: a store (folder or S3) plus, for a remote
 * store, this worker's bounded local cache. Files are single objects; a *tree* is a folder of
 * files (a feature set, an exported model) stored under a prefix with a manifest written last, so a
 * reader sees a tree whole or not at all, even after an interrupted upload.
 *
 * Readers never see a store path: `materializeFile` / `materializeTree` return a local path (the
 * object itself for a folder store; a cached copy, keyed by content, for S3) that is valid until
 * `release()`. This is the boundary the torch engine sits behind: it only ever gets such paths.
 */
export class Artifacts {
  constructor(
    readonly store: ArtifactStore,
    private readonly cache: LocalCache | undefined,
  ) {}

  /** `file:///…` or `s3://bucket/prefix`, for messages and the operator view. */
  get location(): string {
    return this.store.location;
  }

  putFile(key: string, path: string): Promise<StoredObject> {
    return this.store.putFile(key, path);
  }

  putBytes(key: string, bytes: Uint8Array | string): Promise<StoredObject> {
    return this.store.putBytes(key, bytes);
  }

  putJson(key: string, value: unknown): Promise<StoredObject> {
    return this.store.putBytes(key, JSON.stringify(value));
  }

  stat(key: string): Promise<StoredObject | null> {
    return this.store.stat(key);
  }

  getBytes(key: string): Promise<Buffer> {
    return this.store.getBytes(key);
  }

  async getJson<T>(key: string): Promise<T> {
    const bytes = await this.store.getBytes(key);
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch {
      throw new AgiqaError('invalid_input', `${this.location}: ${key} is not valid JSON`);
    }
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.store.deletePrefix(prefix);
  }

  /**
   * Stores every file under `dir` (recursively) as `<prefix>/<relative path>`, then the manifest.
   * Re-storing an identical tree is a no-op; two writers of one content key write the same bytes.
   */
  async putTree(prefix: string, dir: string): Promise<TreeManifest> {
    assertKey(prefix, 'tree prefix');
    const names = (await listFiles(dir)).filter((name) => name !== TREE_MANIFEST);
    const local: TreeManifest = { format: 'agiqa-tree/1', files: [] };
    for (const name of names) {
      const path = join(dir, name);
      local.files.push({ name, size: (await stat(path)).size, sha256: await sha256File(path) });
    }
    const existing = await this.treeManifest(prefix);
    if (existing && canonical(existing) === canonical(local)) return existing;
    for (const name of names) await this.store.putFile(`${prefix}/${name}`, join(dir, name));
    await this.store.putBytes(`${prefix}/${TREE_MANIFEST}`, canonical(local));
    return local;
  }

  /** The manifest of a complete tree, or null when the tree is absent or was never completed. */
  async treeManifest(prefix: string): Promise<TreeManifest | null> {
    const bytes = await this.manifestBytes(prefix);
    return bytes ? parseManifest(bytes, `${prefix}/${TREE_MANIFEST}`) : null;
  }

  /**
   * A local path of the object under `key`; `not_found` when there is none. A read that fails its
   * digest is read once more: the same wrong digest again is damage at rest (a transfer does not
   * damage two reads alike), thrown as a `DamagedObjectError` with `atRest`, which no retry fixes;
   * a different one is thrown as the transfer failure it is (retried like an outage).
   */
  async materializeFile(key: string): Promise<LocalCopy> {
    const first = await this.materializeOnce(key).catch(damagedOrThrow);
    if (!(first instanceof DamagedObjectError)) return first;
    const second = await this.materializeOnce(key).catch(damagedOrThrow);
    if (!(second instanceof DamagedObjectError)) return second;
    if (second.actual !== first.actual) throw second;
    throw new DamagedObjectError(key, second.expected, second.actual, second.digest, true);
  }

  /**
   * `materializeFile`, except that an object damaged at rest comes back as its error instead of
   * being thrown. For callers with a fallback: a damaged checkpoint means starting over, not
   * failing every retry on it.
   */
  async materializeUnlessDamaged(key: string): Promise<LocalCopy | DamagedObjectError> {
    try {
      return await this.materializeFile(key);
    } catch (error) {
      if (error instanceof DamagedObjectError && error.atRest) return error;
      throw error;
    }
  }

  /** One read of the object into a local path (the cache's copy for a remote store). */
  private async materializeOnce(key: string): Promise<LocalCopy> {
    const local = this.store.localPath?.(key);
    const info = await this.store.stat(key);
    if (!info) throw new AgiqaError('not_found', `${this.location} has no artefact ${key}`);
    if (local !== undefined) return { path: local, release: () => undefined };
    // Objects written by this platform carry their sha256; others are cached by key and size.
    const id = info.sha256 ? `files/${info.sha256}` : `files/k-${sha256Bytes(`${key}\n${info.size}`)}`;
    return this.requireCache().acquire(id, async (temp) => {
      await this.store.download(key, temp);
    });
  }

  /** A local folder holding the complete tree under `prefix`; `not_found` when it is absent or incomplete. */
  async materializeTree(prefix: string): Promise<LocalCopy> {
    const bytes = await this.manifestBytes(prefix);
    if (!bytes) throw new AgiqaError('not_found', `${this.location} has no complete tree ${prefix} (no ${TREE_MANIFEST})`);
    const local = this.store.localPath?.(prefix);
    if (local !== undefined) return { path: local, release: () => undefined };
    const manifest = parseManifest(bytes, `${prefix}/${TREE_MANIFEST}`);
    return this.requireCache().acquire(`trees/${sha256Bytes(bytes)}`, async (temp) => {
      await mkdir(temp, { recursive: true });
      for (const file of manifest.files) {
        const got = await this.store.download(`${prefix}/${file.name}`, join(temp, file.name));
        if (got.size !== file.size || (got.sha256 !== null && got.sha256 !== file.sha256)) {
          throw new AgiqaError('unavailable', `${this.location}: ${prefix}/${file.name} does not match its tree manifest (a concurrent rewrite?); retry`);
        }
      }
    });
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async manifestBytes(prefix: string): Promise<Buffer | null> {
    const key = `${assertKey(prefix, 'tree prefix')}/${TREE_MANIFEST}`;
    try {
      return await this.store.getBytes(key);
    } catch (error) {
      if (error instanceof AgiqaError && error.code === 'not_found') return null;
      throw error;
    }
  }

  private requireCache(): LocalCache {
    if (!this.cache) throw new AgiqaError('internal', `${this.location} is remote but no local cache was configured`);
    return this.cache;
  }
}

function damagedOrThrow(error: unknown): DamagedObjectError {
  if (error instanceof DamagedObjectError) return error;
  throw error;
}

function canonical(manifest: TreeManifest): string {
  return JSON.stringify({ format: manifest.format, files: manifest.files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 })) });
}

function parseManifest(bytes: Buffer, key: string): TreeManifest {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as TreeManifest;
    if (parsed.format === 'agiqa-tree/1' && Array.isArray(parsed.files)) return parsed;
  } catch {
    // fall through
  }
  throw new AgiqaError('invalid_input', `${key} is not an agiqa-tree/1 manifest`);
}

/** Relative paths of the regular files under `dir`, `/`-separated. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() || (await stat(path)).isFile()) out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}
