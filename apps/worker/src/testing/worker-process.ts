import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const mainPath = join(dirname(fileURLToPath(import.meta.url)), '../main.ts');

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code or signal name. */
  exited: Promise<string>;
}

/**
 * Starts `main.ts` as a separate OS process (tsx, sources), the way the stack runs the worker, and
 * waits for its ready line. Used where a test must kill a worker for real.
 */
// From sources it bundles the workflows with webpack at start: minutes on a loaded 2-core machine.
export async function startWorkerProcess(env: NodeJS.ProcessEnv, args: string[] = ['--role', 'all'], readyTimeoutMs = 300_000): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@agiqa/source', mainPath, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
  const deadline = Date.now() + readyTimeoutMs;
  while (!/agiqa worker ready/.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output, exited };
}
