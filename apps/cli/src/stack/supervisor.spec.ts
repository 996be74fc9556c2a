import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, runningPid, startProcess, stopProcess, waitForLog } from './supervisor.js';

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
});
