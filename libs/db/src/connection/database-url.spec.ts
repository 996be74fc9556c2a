import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgiqaError } from '@agiqa/contracts';
import { parseDatabaseUrl, redactUrl } from './database-url.js';

describe(parseDatabaseUrl.name, () => {
  it('defaults to a PGlite folder under AGIQA_HOME', () => {
    expect(parseDatabaseUrl(undefined, '/srv/agiqa')).toEqual({ kind: 'pglite', url: 'pglite:/srv/agiqa/pglite', dataDir: '/srv/agiqa/pglite' });
    expect(parseDatabaseUrl(undefined)).toMatchObject({ dataDir: path.resolve('.agiqa/pglite') });
  });

  it('reads postgres and postgresql URLs as a server', () => {
    expect(parseDatabaseUrl('postgres://u:p@h:5432/db')).toEqual({ kind: 'postgres', url: 'postgres://u:p@h:5432/db' });
    expect(parseDatabaseUrl('postgresql://h/db').kind).toBe('postgres');
  });

  it('reads pglite:memory and pglite:<folder>, resolving a relative folder', () => {
    expect(parseDatabaseUrl('pglite:memory')).toEqual({ kind: 'pglite', url: 'pglite:memory', dataDir: null });
    expect(parseDatabaseUrl('pglite:data/db')).toEqual({ kind: 'pglite', url: `pglite:${path.resolve('data/db')}`, dataDir: path.resolve('data/db') });
  });

  it('rejects an unknown scheme naming DATABASE_URL and the accepted forms, without leaking a password', () => {
    const error = (() => {
      try {
        parseDatabaseUrl('mysql://root:secret@h/db');
      } catch (e) {
        return e as AgiqaError;
      }
      throw new Error('expected a failure');
    })();
    expect(error.code).toBe('invalid_input');
    expect(error.details).toEqual([{ path: 'DATABASE_URL', message: 'unknown scheme' }]);
    expect(error.message).toMatch(/pglite:memory/);
    expect(error.message).not.toMatch(/secret/);
  });

  it('rejects pglite: without a folder', () => {
    expect(() => parseDatabaseUrl('pglite:')).toThrow(/names no folder/);
  });
});

describe(redactUrl.name, () => {
  it('masks the password only', () => {
    expect(redactUrl('postgres://agiqa:s3cr3t@db:5432/agiqa')).toBe('postgres://agiqa:***@db:5432/agiqa');
    expect(redactUrl('postgres://db/agiqa')).toBe('postgres://db/agiqa');
  });
});
