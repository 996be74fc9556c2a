/**
 * Worker "machines" for the tests across machines: each a built worker process (`node
 * apps/worker/dist/main.js`) with its own AGIQA_HOME, sharing nothing on disk with the others —
 * only the services (PostgreSQL, Temporal, the S3 artefact store). Spec support only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './dashboard-stack.js';

export interface Machine {
  name: string;
  /** This machine's own AGIQA_HOME. */
  home: string;
  child: ChildProcess;
  /** The Temporal worker identity (`<pid>@<hostname>`, the SDK's default). */
  identity: string;
  output(): string;
  /** Resolves with the exit code or the signal's name. */
  exited: Promise<string>;
  /** SIGSTOP then SIGKILL: the process dies without a chance to report anything. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a worker machine and waits for its ready line. `args`: `--role cpu` or `--role gpu --gpu-queue Q`. */
export async function startMachine(name: string, args: string[], env: Record<string, string>, readyTimeoutMs = 180_000): Promise<Machine> {
  const home = await mkdtemp(join(tmpdir(), `agiqa-machine-${name}-`));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/worker/dist/main.js'), ...args], {
    cwd: home,
    env: { ...process.env, ...env, AGIQA_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
  const deadline = Date.now() + readyTimeoutMs;
  while (!/agiqa worker ready/.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    home,
    child,
    identity: `${child.pid}@${hostname()}`,
    output: () => output,
    exited,
    async crash() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Every file under `dir`, relative (to show what a machine kept on its own disk). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string, prefix: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(join(folder, entry.name), rel);
      else out.push(rel);
    }
  };
  await walk(dir, '');
  return out.sort();
}
