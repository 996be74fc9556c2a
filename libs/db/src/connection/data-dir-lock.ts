import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { conflict } from '@agiqa/contracts';

/** Who holds a PGlite data folder, written as JSON to `<folder>.lock`. */
export interface DataDirHolder {
  pid: number;
  /** `gateway`, `createDb`, `migrate`, … */
  holder: string;
  /** Where clients reach it instead (the gateway's postgres:// URL). */
  url?: string;
  since: string;
}

/** A held data-folder lock; `release` is idempotent. */
export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/**
 * Claims a PGlite data folder for this process. PGlite is one Postgres backend writing the
 * folder directly: two processes opening one folder corrupt it, so a second opener fails here
 * with a `conflict` naming the holder (and the gateway URL to use instead). A lock left by a dead
 * process is taken over.
 *
 * Race-free by construction: the lock file appears with its content complete (written to a temp
 * file, then hard-linked into place, which fails if a lock exists), so a reader never sees a
 * half-written lock; a stale lock is moved aside by rename, and a taker that finds it moved a
 * live lock instead (another process took over first) puts it back and yields.
 */
export function lockDataDir(dataDir: string, info: { holder: string; url?: string }): DataDirLock {
  const file = `${path.resolve(dataDir)}.lock`;
  mkdirSync(path.dirname(file), { recursive: true });
  const mine: DataDirHolder = { pid: process.pid, holder: info.holder, since: new Date().toISOString(), ...(info.url ? { url: info.url } : {}) };
  const inUse = (current: DataDirHolder): never => {
    const via = current.url ? `; connect through it with DATABASE_URL=${current.url}` : '';
    throw conflict(
      `PGlite data folder ${dataDir} is in use by process ${current.pid} (${current.holder}) since ${current.since}${via}. ` +
        `If that process is gone, delete ${file}.`,
    );
  };
  for (let attempt = 0; ; attempt++) {
    if (createComplete(file, JSON.stringify(mine))) break;
    if (attempt > 0) throw conflict(`PGlite data folder ${dataDir}: another process is claiming it at the same moment; try again`);
    const current = readHolder(file);
    if (current && isAlive(current.pid)) inUse(current);
    // Stale (dead holder, or content that cannot be a lock: this module never writes partial files).
    const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw error;
    }
    const moved = readHolder(aside);
    if (moved && isAlive(moved.pid) && moved.pid !== current?.pid) {
      // Another process replaced the stale lock between our read and our rename: restore its lock.
      try {
        linkSync(aside, file);
      } finally {
        unlinkSync(aside);
      }
      inUse(moved);
    }
    unlinkSync(aside);
  }
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      if (readHolder(file)?.pid === process.pid) unlinkSync(file);
    },
  };
}

/** Records where the holder can be reached (the gateway once it listens); replaced atomically. */
export function updateDataDirLock(lock: DataDirLock, update: Partial<Pick<DataDirHolder, 'url'>>): void {
  const current = readHolder(lock.file);
  if (current?.pid !== process.pid) return;
  const temp = `${lock.file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, JSON.stringify({ ...current, ...update }));
  renameSync(temp, lock.file);
}

/** Creates `file` with `content` only if it does not exist, never visible half-written. */
function createComplete(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, content);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readHolder(file: string): DataDirHolder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as DataDirHolder;
    return Number.isInteger(holder?.pid) ? holder : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
