import path from 'node:path';
import { invalidInput } from '@agiqa/contracts';

/** Where a database lives, decoded from a `DATABASE_URL`. */
export type DatabaseLocation =
  | { kind: 'postgres'; url: string }
  /** `dataDir` null: in memory, gone when closed. */
  | { kind: 'pglite'; url: string; dataDir: string | null };

/** Home-relative folder of the embedded database. */
export const PGLITE_SUBDIR = 'pglite';

const FORMS = '"postgres://user:password@host:port/db", "pglite:<folder>" or "pglite:memory"';

/**
 * Decodes a `DATABASE_URL` (see `EnvSchema`): `postgres://` / `postgresql://` → a PostgreSQL
 * server (or the embedded gateway), `pglite:memory` → in-memory PGlite, `pglite:<folder>` →
 * PGlite on that folder (resolved against the working directory), undefined → the embedded
 * default `pglite:<home>/pglite`.
 */
export function parseDatabaseUrl(url: string | undefined, home = '.agiqa'): DatabaseLocation {
  if (url === undefined || url.trim() === '') {
    const dataDir = path.resolve(home, PGLITE_SUBDIR);
    return { kind: 'pglite', url: `pglite:${dataDir}`, dataDir };
  }
  const value = url.trim();
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    try {
      new URL(value);
    } catch {
      throw invalidInput(`DATABASE_URL is not a valid URL: use ${FORMS}`, [{ path: 'DATABASE_URL', message: 'not a valid URL' }]);
    }
    return { kind: 'postgres', url: value };
  }
  if (value.startsWith('pglite:')) {
    const where = value.slice('pglite:'.length);
    if (where === 'memory') return { kind: 'pglite', url: 'pglite:memory', dataDir: null };
    if (where === '') {
      throw invalidInput(`DATABASE_URL "pglite:" names no folder: use ${FORMS}`, [{ path: 'DATABASE_URL', message: 'missing folder' }]);
    }
    const dataDir = path.resolve(where);
    return { kind: 'pglite', url: `pglite:${dataDir}`, dataDir };
  }
  throw invalidInput(`DATABASE_URL "${redactUrl(value)}" has an unknown scheme: use ${FORMS}`, [
    { path: 'DATABASE_URL', message: 'unknown scheme' },
  ]);
}

/** The URL with any password replaced by `***`, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
