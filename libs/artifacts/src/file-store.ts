import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgiqaError } from '@agiqa/contracts';
import { storeError } from './errors.js';
import { isTempName, sha256Bytes, sha256File, tempBeside } from './hash.js';
import { assertKey } from './keys.js';
import type { ArtifactStore, StoredObject } from './store.js';

/**
 * The artefact store as a folder (`AGIQA_ARTIFACTS=file:///…`, by default `<AGIQA_HOME>/artifacts`):
 * the embedded default, or a filesystem every machine mounts. A key is a relative path under the
 * root. Writes go to a temporary file beside the target, are fsynced and renamed over it, so a crash
 * leaves the old object or the new one, never a torn file.
 */
export class FileArtifactStore implements ArtifactStore {
  readonly location: string;

  constructor(readonly root: string) {
    this.location = pathToFileURL(root).href;
  }

  localPath(key: string): string {
    return join(this.root, assertKey(key));
  }

  async putFile(key: string, path: string): Promise<StoredObject> {
    return this.guard('put', key, async (target) => {
      await mkdir(dirname(target), { recursive: true });
      const temp = tempBeside(target);
      try {
        await copyFile(path, temp);
        await syncFile(temp);
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return { key, size: (await stat(target)).size, sha256: await sha256File(target) };
    });
  }

  async putBytes(key: string, bytes: Uint8Array | string): Promise<StoredObject> {
    return this.guard('put', key, async (target) => {
      await mkdir(dirname(target), { recursive: true });
      const temp = tempBeside(target);
      try {
        await writeFile(temp, bytes);
        await syncFile(temp);
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return { key, size: Buffer.byteLength(bytes), sha256: sha256Bytes(bytes) };
    });
  }

  async stat(key: string): Promise<StoredObject | null> {
    return this.guard('stat', key, async (target) => {
      try {
        const info = await stat(target);
        return info.isFile() ? { key, size: info.size, sha256: null } : null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
        throw error;
      }
    });
  }

  async getBytes(key: string): Promise<Buffer> {
    return this.guard('get', key, (target) => readFile(target));
  }

  async download(key: string, path: string): Promise<StoredObject> {
    return this.guard('get', key, async (target) => {
      await mkdir(dirname(path), { recursive: true });
      const temp = tempBeside(path);
      try {
        await copyFile(target, temp);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return { key, size: (await stat(path)).size, sha256: null };
    });
  }

  async list(prefix: string): Promise<StoredObject[]> {
    return this.guard('list', prefix, async (dir) => {
      const found: StoredObject[] = [];
      const walk = async (folder: string, keyPrefix: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(folder, { withFileTypes: true });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw error;
        }
        for (const entry of entries) {
          if (isTempName(entry.name)) continue;
          const key = `${keyPrefix}/${entry.name}`;
          if (entry.isDirectory()) await walk(join(folder, entry.name), key);
          else if (entry.isFile()) found.push({ key, size: (await stat(join(folder, entry.name))).size, sha256: null });
        }
      };
      await walk(dir, prefix);
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    await this.guard('delete', prefix, (dir) => rm(dir, { recursive: true, force: true }));
    return objects.length;
  }

  async check(): Promise<void> {
    await this.guard('check', '.agiqa-check', async () => {
      await mkdir(this.root, { recursive: true });
      const probe = tempBeside(join(this.root, 'check'));
      await writeFile(probe, 'ok');
      await rm(probe, { force: true });
    });
  }

  /** Nothing to release: every operation opens and closes its own files. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves the key and turns any filesystem failure into a classified AgiqaError naming it. */
  private async guard<T>(operation: string, key: string, body: (path: string) => Promise<T>): Promise<T> {
    const path = this.localPath(key);
    try {
      return await body(path);
    } catch (error) {
      if (error instanceof AgiqaError) throw error;
      throw storeError(error, this.location, operation, key);
    }
  }
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
