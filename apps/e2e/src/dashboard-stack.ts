/**
 * Processes the dashboard browser tests start: the built API (which serves the built dashboard)
 * and a headless Chromium. Spec support only; nothing here is imported by apps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const API_MAIN = join(REPO_ROOT, 'apps/api/dist/main.js');
export const DASHBOARD_INDEX = join(REPO_ROOT, 'apps/dashboard/dist/index.html');

/** Fails with the command to run when the apps under test are not built. */
export function requireBuilt(): void {
  const missing = [API_MAIN, DASHBOARD_INDEX].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `not built: ${missing.join(', ')}. Build first: NX_DAEMON=false npx nx run-many -t build -p @agiqa/api @agiqa/dashboard ` +
        '(or run this suite through `npx nx run @agiqa/e2e:test`, which builds them).',
    );
  }
}

export interface ApiProcess {
  /** Origin of the API, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const READY = /agiqa api listening on (http:\/\/\S+)/;

/**
 * Starts `node apps/api/dist/main.js` on a free port (AGIQA_API_PORT=0) and resolves with the URL
 * from its ready line. Rejects with the process output if it exits or stays silent too long.
 */
export async function startApiProcess(env: Record<string, string>, timeoutMs = 90_000): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, [API_MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, AGIQA_API_HOST: '127.0.0.1', AGIQA_API_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the API printed no ready line within ${timeoutMs} ms:\n${log}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      const match = READY.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the API exited with code ${code} before it was ready:\n${log}`));
    });
  });
  return {
    url,
    output: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Launch flags for Chromium on a CI box: no sandbox (containers), no GPU, no network chatter. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  // WebGL (plotly's parcoords and scattergl) on the software rasteriser.
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The system Chromium (installed by apt), never a downloaded one. */
export const CHROMIUM_PATH = process.env['AGIQA_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Whether the browser suites can run here. Without Chromium they are skipped with the reason,
 * except where `AGIQA_REQUIRE_BROWSER=1` (CI), which makes a missing browser an error.
 */
export function browserAvailable(): { ok: boolean; reason: string } {
  if (existsSync(CHROMIUM_PATH)) return { ok: true, reason: '' };
  const reason = `no Chromium at ${CHROMIUM_PATH}: install the chromium package (apt) or set AGIQA_CHROMIUM`;
  if (process.env['AGIQA_REQUIRE_BROWSER'] === '1') throw new Error(`AGIQA_REQUIRE_BROWSER=1 but ${reason}`);
  return { ok: false, reason };
}

/** A fresh browser profile in `userDataDir`, viewport 1280 × 900 by default. */
export async function launchBrowser(userDataDir: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install the chromium package (apt) or set AGIQA_CHROMIUM`);
  return await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
  });
}
