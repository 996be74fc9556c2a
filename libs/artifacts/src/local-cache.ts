import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { isTempName, tempBeside } from './hash.js';

/** A local copy of an artefact, held until `release()`; the cache never evicts a held copy. */
export interface LocalCopy {
  /** File (materializeFile) or folder (materializeTree) on this machine. */
  path: string;
  release(): void;
}

interface Entry {
  size: number;
  lastUsed: number;
}

/**
 * The bounded local cache of a worker: copies of what it read from a remote store, each under an
 * id derived from its content (`files/<sha256>`, `trees/<sha256 of the tree manifest>`), so equal
 * content is fetched once whatever key named it and a changed object is never served stale. When
 * the total size passes `maxBytes`, the least recently used copies that nobody holds are deleted.
 * One cache folder belongs to one process (each worker has its own AGIQA_HOME).
 */
export class LocalCache {
  private index: Map<string, Entry> | undefined;
  private readonly pins = new Map<string, number>();
  private readonly filling = new Map<string, Promise<void>>();

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Bytes held now (for the operator view and tests). */
  async usedBytes(): Promise<number> {
    const index = await this.load();
    return [...index.values()].reduce((sum, e) => sum + e.size, 0);
  }

  /**
   * The local copy under `id`, filled by `fill(tempPath)` when absent (`fill` writes a file or a
   * folder at the temporary path; it is renamed into place only when complete). Concurrent calls
   * for one id share one fill.
   */
  async acquire(id: string, fill: (tempPath: string) => Promise<void>): Promise<LocalCopy> {
    const index = await this.load();
    const path = join(this.dir, id);
    if (!index.has(id)) {
      let pending = this.filling.get(id);
      if (!pending) {
        pending = this.fill(id, path, fill).finally(() => this.filling.delete(id));
        this.filling.set(id, pending);
      }
      await pending;
    }
    const entry = index.get(id) as Entry;
    entry.lastUsed = Date.now();
    // mtime records use across restarts of the worker (the index is rebuilt from it).
    await utimes(path, new Date(), new Date()).catch(() => undefined);
    this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    let released = false;
    return {
      path,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.pins.get(id) ?? 1) - 1;
        if (left > 0) this.pins.set(id, left);
        else this.pins.delete(id);
      },
    };
  }

  private async fill(id: string, path: string, fill: (tempPath: string) => Promise<void>): Promise<void> {
    const index = await this.load();
    await mkdir(join(path, '..'), { recursive: true });
    const temp = tempBeside(path);
    try {
      await fill(temp);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    index.set(id, { size: await sizeOf(path), lastUsed: Date.now() });
    await this.evict();
  }

  /** Deletes least recently used, unheld copies until the cache fits its bound. */
  private async evict(): Promise<void> {
    const index = await this.load();
    let total = [...index.values()].reduce((sum, e) => sum + e.size, 0);
    if (total <= this.maxBytes) return;
    const candidates = [...index.entries()].filter(([id]) => !this.pins.has(id) && !this.filling.has(id)).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id, entry] of candidates) {
      if (total <= this.maxBytes) break;
      index.delete(id);
      await rm(join(this.dir, id), { recursive: true, force: true });
      total -= entry.size;
    }
  }

  /** Builds the index from the folder once (copies left by an earlier run of the worker count). */
  private async load(): Promise<Map<string, Entry>> {
    if (this.index) return this.index;
    const index = new Map<string, Entry>();
    for (const kind of await readdir(this.dir).catch(() => [] as string[])) {
      for (const name of await readdir(join(this.dir, kind)).catch(() => [] as string[])) {
        const path = join(this.dir, kind, name);
        // Half-filled copies of a killed process: never complete, so never served.
        if (isTempName(name)) {
          await rm(path, { recursive: true, force: true });
          continue;
        }
        const info = await stat(path);
        index.set(`${kind}/${name}`, { size: await sizeOf(path), lastUsed: info.mtimeMs });
      }
    }
    this.index ??= index;
    return this.index;
  }
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await readdir(path)) total += await sizeOf(join(path, name));
  return total;
}
