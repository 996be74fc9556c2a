import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDataDir, updateDataDirLock } from './data-dir-lock.js';

/** A pid that certainly belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe(lockDataDir.name, () => {
  it('refuses a second holder, naming the first and where to connect instead', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'agiqa-lock-')), 'pglite');
    const lock = lockDataDir(dir, { holder: 'gateway' });
    updateDataDirLock(lock, { url: 'postgres://postgres@127.0.0.1:5555/postgres' });
    expect(JSON.parse(readFileSync(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, holder: 'gateway', url: 'postgres://postgres@127.0.0.1:5555/postgres' });
    expect(() => lockDataDir(dir, { holder: 'createDb' })).toThrow(
      new RegExp(`in use by process ${process.pid} \\(gateway\\).*DATABASE_URL=postgres://postgres@127\\.0\\.0\\.1:5555/postgres`),
    );
    lock.release();
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
  });

  it('takes over a lock left by a dead process, and one that is not a lock at all', () => {
    const root = mkdtempSync(join(tmpdir(), 'agiqa-lock-'));
    const dir = join(root, 'pglite');
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: deadPid(), holder: 'gateway', since: 'then' }));
    const first = lockDataDir(dir, { holder: 'createDb' });
    expect(JSON.parse(readFileSync(first.file, 'utf8')).pid).toBe(process.pid);
    first.release();
    writeFileSync(`${dir}.lock`, '');
    const second = lockDataDir(dir, { holder: 'createDb' });
    second.release();
    // No temp or moved-aside files are left behind.
    expect(readdirSync(root)).toEqual([]);
  });
});
