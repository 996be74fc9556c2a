import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { isAlive, processStartTime, runningPid, startProcess, stopProcess, waitForLog, withStackLock } from './supervisor.js';

function supervisor() {
  const dir = mkdtempSync(join(tmpdir(), 'agiqa-sup-'));
  return { runDir: join(dir, 'run'), logDir: join(dir, 'logs') };
}

describe('supervisor', () => {
  it('starts a detached process, reads its ready line and stops it with SIGTERM', async () => {
    const sup = supervisor();
    const script = "console.log('svc ready url=http://x:1'); process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); setInterval(() => {}, 1000);";
    const { pid, logOffset } = startProcess(sup, { name: 'svc', command: process.execPath, args: ['-e', script], cwd: process.cwd() });
    const match = await waitForLog(sup, 'svc', pid, logOffset, /url=(\S+)/, 10_000);
    expect(match[1]).toBe('http://x:1');
    expect(runningPid(sup, 'svc')).toBe(pid);
    expect(await stopProcess(sup, 'svc')).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(runningPid(sup, 'svc')).toBeNull();
    expect(await stopProcess(sup, 'svc')).toBe(false);
  });

  it('fails fast with the log tail when the process dies during start-up', async () => {
    const sup = supervisor();
    const { pid, logOffset } = startProcess(sup, { name: 'bad', command: process.execPath, args: ['-e', "console.error('boom: port taken'); process.exit(3)"], cwd: process.cwd() });
    await expect(waitForLog(sup, 'bad', pid, logOffset, /never/, 10_000)).rejects.toThrow(/bad exited during start-up[\s\S]*boom: port taken/);
  });

  it('kills a process that ignores SIGTERM after the grace period', async () => {
    const sup = supervisor();
    const script = "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);";
    const { pid, logOffset } = startProcess(sup, { name: 'stubborn', command: process.execPath, args: ['-e', script], cwd: process.cwd() });
    await waitForLog(sup, 'stubborn', pid, logOffset, /up/, 10_000);
    expect(await stopProcess(sup, 'stubborn', 300)).toBe(true);
    expect(isAlive(pid)).toBe(false);
  });

  it('treats a pid file whose pid now names another process as stale, and never signals it', async () => {
    const sup = supervisor();
    mkdirSync(sup.runDir, { recursive: true });
    // This test process is alive, but it is not what the pid file recorded (other start time).
    writeFileSync(join(sup.runDir, 'worker.pid'), `${process.pid} 1\n`);
    expect(processStartTime(process.pid)).not.toBe('1');
    expect(runningPid(sup, 'worker')).toBeNull();
    expect(await stopProcess(sup, 'worker')).toBe(false);
    expect(isAlive(process.pid)).toBe(true);
  });

  it('reports a command that cannot be started instead of crashing', () => {
    const sup = supervisor();
    expect(() => startProcess(sup, { name: 'nope', command: '/nonexistent/agiqa-binary', args: [], cwd: process.cwd() })).toThrow(/could not start nope/);
  });

  it('lets one up/down at a time work on a stack', async () => {
    const sup = supervisor();
    let inner: unknown;
    await withStackLock(sup, async () => {
      inner = await withStackLock(sup, async () => 'twice').catch((error: Error) => error.message);
    });
    expect(inner).toMatch(/another agiqa up\/down \(pid \d+\) is working on this stack/);
    // Released afterwards, and a lock left by a dead process is taken over.
    writeFileSync(join(sup.runDir, 'stack.lock'), '999999999 -\n');
    expect(await withStackLock(sup, async () => 'ok')).toBe('ok');
  });
});
