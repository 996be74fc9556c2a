import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../connection/create-db.js';

const entry = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Starts the gateway process from source and resolves with its URL once it prints the ready line. */
function startProcess(dataDir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--conditions=@agiqa/source', '--import', 'tsx', entry, '--data-dir', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready (postgres:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1] as string, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before it was ready:\n${output}`)));
  });
}

describe('gateway process (main.ts)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('migrates, serves, refuses a second opener of its folder, and shuts down cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agiqa-gateway-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dataDir = path.join(dir, 'pglite');
    const { child, url, output } = await startProcess(dataDir);
    cleanups.push(() => void child.kill('SIGKILL'));
    expect(output()).toMatch(/applied migration \d+_init/);

    const client = await createDb({ url });
    await client.prisma.apiToken.create({ data: { name: 'survives', tokenHash: 'h' } });
    await client.close();

    await expect(createDb({ url: `pglite:${dataDir}` })).rejects.toThrow(new RegExp(`in use by process ${child.pid} \\(gateway\\).*DATABASE_URL=${url.replace(/[.?*+^$()[\]{}|\\/]/g, '\\$&')}`));

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toMatch(/SIGTERM: closing[\s\S]*closed/);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);

    const reopened = await createDb({ url: `pglite:${dataDir}`, migrate: true });
    cleanups.push(() => reopened.close());
    expect(reopened.migrations?.applied).toEqual([]);
    expect((await reopened.prisma.apiToken.findMany()).map((t) => t.name)).toEqual(['survives']);
  }, 60_000);
});
