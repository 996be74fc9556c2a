import { HealthSchema } from '@agiqa/contracts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The built entry point: Nest needs decorator metadata, which only the tsc build emits. `nx test`
// builds first (targetDefaults: test dependsOn build).
const entry = fileURLToPath(new URL('../dist/main.js', import.meta.url));

// Nx runs this after building the API (test depends on build); run by hand, it needs `npx tsc -b apps/api`.
const built = existsSync(entry);

describe.runIf(built)(`apps/api dist/main.js${built ? '' : ' (skipped: not built; run npx tsc -b apps/api)'}`, () => {
  let child: ChildProcess | undefined;
  let home: string | undefined;

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('listens on a free port, prints its URL, and shuts down cleanly on SIGTERM', async () => {
    home = mkdtempSync(join(tmpdir(), 'agiqa-api-main-'));
    child = spawn(process.execPath, [entry], {
      env: {
        PATH: process.env.PATH,
        AGIQA_HOME: home,
        AGIQA_API_PORT: '0',
        DATABASE_URL: `pglite:${join(home, 'pglite')}`,
        // Nothing listens there: the API must start anyway and report Temporal down.
        TEMPORAL_ADDRESS: '127.0.0.1:1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line in 60 s:\n${output}`)), 60_000);
      child?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /agiqa api listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child?.once('exit', (code) => reject(new Error(`exited with ${code} before the ready line:\n${output}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = HealthSchema.parse(await (await fetch(`${url}/api/health`)).json());
    expect(health).toMatchObject({ status: 'degraded', database: { ok: true, kind: 'pglite' }, temporal: { ok: false } });

    // Nest closes the app (HTTP server, Temporal, database) and then re-raises the signal.
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child?.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGTERM', `exit ${code} / ${signal}:\n${output}`).toBe(true);
    // The database was closed: the PGlite data folder's lock is released.
    expect(existsSync(`${join(home, 'pglite')}.lock`)).toBe(false);
  }, 90_000);
});
