import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// From sources (tests) through tsx; from dist/ as built.
const fromSources = import.meta.url.endsWith('.ts');
const mainPath = join(dirname(fileURLToPath(import.meta.url)), `../gateway/main.${fromSources ? 'ts' : 'js'}`);
const nodeArgs = fromSources ? ['--import', 'tsx', '--conditions=@agiqa/source'] : [];

/** The PGlite gateway as its own OS process (sources through tsx), as `agiqa up` runs it. */
export interface GatewayProcess {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`; the port stays across restarts. */
  readonly url: string;
  readonly port: number;
  /** The running process (replaced by `restart`). */
  child(): ChildProcess;
  /** Everything the current process printed. */
  output(): string;
  /** Kills it with `signal` (SIGKILL: as a crash would) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same data folder and port; resolves once it is ready. */
  restart(): Promise<void>;
  /** SIGTERM (a clean close of PGlite) and wait. */
  stop(): Promise<void>;
}

/**
 * Starts `libs/db/src/gateway/main.ts --data-dir <dataDir> --port <port>` and waits for its ready
 * line. Port 0 picks a free port the first time; restarts reuse it.
 */
export async function startGatewayProcess(options: { dataDir: string; port?: number; readyTimeoutMs?: number }): Promise<GatewayProcess> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  let current = await launch(options.dataDir, options.port ?? 0, readyTimeoutMs);
  const port = current.port;
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    child: () => current.child,
    output: () => current.output(),
    async kill(signal = 'SIGKILL') {
      current.child.kill(signal);
      await exited(current.child);
    },
    async restart() {
      current = await launch(options.dataDir, port, readyTimeoutMs);
    },
    async stop() {
      current.child.kill('SIGTERM');
      await exited(current.child);
    },
  };
}

async function launch(dataDir: string, port: number, readyTimeoutMs: number) {
  const child = spawn(process.execPath, [...nodeArgs, mainPath, '--data-dir', dataDir, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const ready = /\[agiqa db gateway\] ready postgres:\/\/\S+:(\d+)\//.exec(output);
    if (ready) return { child, port: Number(ready[1]), output: () => output };
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway was not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
