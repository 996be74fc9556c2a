import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
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
 */
export function lockDataDir(dataDir: string, info: { holder: string; url?: string }): DataDirLock {
  const file = `${path.resolve(dataDir)}.lock`;
  mkdirSync(path.dirname(file), { recursive: true });
  const mine: DataDirHolder = { pid: process.pid, holder: info.holder, since: new Date().toISOString(), ...(info.url ? { url: info.url } : {}) };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const current = readHolder(file);
      if (current && isAlive(current.pid)) {
        const via = current.url ? `; connect through it with DATABASE_URL=${current.url}` : '';
        throw conflict(
          `PGlite data folder ${dataDir} is in use by process ${current.pid} (${current.holder}) since ${current.since}${via}. ` +
            `If that process is gone, delete ${file}.`,
        );
      }
      unlinkSync(file);
    }
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

/** Records where the holder can be reached (the gateway once it listens). */
export function updateDataDirLock(lock: DataDirLock, update: Partial<Pick<DataDirHolder, 'url'>>): void {
  const current = readHolder(lock.file);
  if (current?.pid === process.pid) writeFileSync(lock.file, JSON.stringify({ ...current, ...update }));
}

function readHolder(file: string): DataDirHolder | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DataDirHolder;
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
