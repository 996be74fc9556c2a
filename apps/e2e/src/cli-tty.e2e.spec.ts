import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, runCli } from './cli.js';
import { REPO_ROOT } from './dashboard-stack.js';

/**
 * The built `agiqa` under a pseudo-terminal, as a user at a terminal runs it: util-linux `script`
 * allocates the pty (node-pty would need a native build for one test; `script` ships with every
 * Debian/Ubuntu system). What the terminal received is what `script` prints.
 */
function runInPty(args: string[], env: Record<string, string>): Promise<{ code: number; screen: string }> {
  const quoted = [process.execPath, CLI_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    // A pty starts 0×0; cli-progress sizes the bar to the terminal width.
    const child = spawn('script', ['-qfec', `stty cols 120 rows 40; exec ${quoted}`, '/dev/null'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, screen }));
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agiqa-cli-tty-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('agiqa at a terminal', () => {
  it('draws a progress bar with counts and ETA while synthesising, redrawn in place', async () => {
    const { code, screen } = await runInPty(['data', 'synth', '--out', join(dir, 'tty'), '--images', '150', '--seed', '1'], {});
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/synthesising \|[█░]{10,}\| \d{1,3}% \| \d+\/150 images \| ETA \S+/);
    expect(screen).toContain('150/150 images');
    // Redrawn in place: the cursor returns to the line start rather than printing a line per update.
    expect(screen.includes('\r') || screen.includes('\u001b[')).toBe(true);
    expect(screen).toContain('wrote 150 images');
  });

  it('prints a few plain lines instead of a bar when stderr is not a terminal', async () => {
    const { code, stderr } = await runCli(['data', 'synth', '--out', join(dir, 'pipe'), '--images', '150', '--seed', '1'], {});
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('\u001b[');
    const lines = stderr.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.at(-1)).toContain('synthesising: 150/150 images (100%)');
  });
});
