import { AgiqaError, canonicalJson } from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';

/** How many computed tables one process keeps (least recently used first out). */
const DEFAULT_CAPACITY = 256;

interface Entry {
  version: string;
  value: Promise<unknown>;
}

/**
 * Computed paper tables kept until something they read changes. Table 1 over 10,000 runs costs
 * ~1 s on the embedded database (most of it PGlite returning the rows), and nothing in it changes
 * between two runs completing, so each request first reads `TablesVersion` — one row that triggers
 * bump once per writing transaction, at its commit, on any write to a completed run, a run's
 * archival, a sweep, a dataset or a timing measurement (migration `tables_version`) — and reuses the table computed at that version.
 *
 * Why this is never stale: the version is read before the table is computed, and a change commits
 * together with its bump, so what is computed includes at least every change counted in the
 * version it is kept under; any later change moves the version and the next request recomputes.
 * Requests that arrive while a table is being computed at their version wait for that one
 * computation, and all get the same object: a frozen copy (the copy leaves the module constants
 * a table refers to unfrozen), so that a caller that edits its answer fails at once instead of
 * changing what the next request reads. Failures are not kept. One thing the version cannot see:
 * a database restored from a backup under a running API (its version may equal one already
 * seen); restart the API after a restore. Each API process has its own cache over the shared version,
 * so several processes behind a load balancer agree.
 *
 * Hand-written rather than a caching library: the part that matters is the version check against
 * the database; what is left (a map in insertion order used as an LRU) is a few lines.
 */
export class TablesCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** `compute()`'s table for `name` and `query`, reused while the tables' inputs are unchanged. */
  async get<T>(name: string, query: unknown, compute: () => Promise<T>): Promise<T> {
    const key = `${name} ${canonicalJson(query ?? {})}`;
    const version = await tablesVersion(this.prisma);
    const kept = this.entries.get(key);
    // Kept at this version or a later one (read by a request that raced ahead): as new as asked.
    if (kept && BigInt(kept.version) >= BigInt(version)) {
      this.touch(key, kept);
      return kept.value as Promise<T>;
    }
    const entry: Entry = { version, value: compute().then((table) => deepFreeze(structuredClone(table))) };
    this.touch(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.value as Promise<T>;
  }

  /** Number of tables kept (tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Moves `key` to the most recently used end, evicting the least recently used beyond capacity. */
  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/** Freezes `value` and everything reachable from it (tables are trees of plain objects and arrays). */
function deepFreeze<T>(value: T): T {
  // Typed arrays cannot be frozen (and tables, being JSON, hold none).
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

/** The tables' input version (a bigint, as text). */
export async function tablesVersion(prisma: PrismaClient): Promise<string> {
  const rows = await prisma.$queryRaw<{ version: string }[]>`SELECT "version"::text AS "version" FROM "TablesVersion" WHERE "id" = 1`;
  const version = rows[0]?.version;
  if (version === undefined) throw new AgiqaError('internal', 'TablesVersion has no row: the database lacks migration tables_version (run the migrations)');
  return version;
}
