import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { TEMPORAL_DEV_SERVER_ARGS } from '@agiqa/contracts';
import { entryPoints, stackPaths, type StackPaths } from './paths.js';
import { EnvSchema, parseOrThrow } from '@agiqa/contracts';
import { apiProbe, databaseProbe, temporalProbe, workerProbe } from './readiness.js';
import { portOpen, runningPid, startProcess, stopProcess, waitForLog, waitUntilReady, withStackLock, type Supervisor } from './supervisor.js';

const execFileAsync = promisify(execFile);

/** What `agiqa up` started, written to `<AGIQA_HOME>/run/stack.json` for later commands. */
export interface StackState {
  startedAt: string;
  home: string;
  apiUrl: string;
  dashboardUrl: string;
  temporal: { address: string; uiUrl: string | null; managed: boolean };
  database: { url: string; kind: 'pglite-gateway' | 'external'; managed: boolean };
  workers: string[];
}

export interface UpOptions {
  /** Use this Temporal frontend instead of starting a dev server. */
  temporalAddress?: string;
  /** Use this PostgreSQL server instead of the embedded PGlite gateway. */
  databaseUrl?: string;
  /** API port; 0 or busy → a free port. */
  apiPort?: number;
  /** Take free ports instead of the well-known ones (7233, 8233, 54329, 8750): tests, parallel stacks. */
  ephemeralPorts?: boolean;
  /** Progress lines go here. */
  log?: (line: string) => void;
}

/** Stop order is the reverse of start order: clients before the services they use. */
export const COMPONENTS = ['temporal', 'db', 'worker', 'api'] as const;
export type Component = (typeof COMPONENTS)[number];

function supervisor(paths: StackPaths): Supervisor {
  return { runDir: paths.runDir, logDir: paths.logDir };
}

export function readStackState(paths = stackPaths()): StackState | null {
  if (!existsSync(paths.stateFile)) return null;
  return JSON.parse(readFileSync(paths.stateFile, 'utf8')) as StackState;
}

/** Which stack processes are alive now. */
export function componentStatus(paths = stackPaths()): Record<Component, number | null> {
  const sup = supervisor(paths);
  return Object.fromEntries(COMPONENTS.map((name) => [name, runningPid(sup, name)])) as Record<Component, number | null>;
}

/**
 * Starts the embedded stack — Temporal dev server, PGlite gateway, one worker (cpu + gpu queues),
 * API with the dashboard — as background processes, each logging to `<home>/logs/<name>.log`.
 * Idempotent: with everything already running it returns the recorded state.
 */
export async function up(options: UpOptions = {}): Promise<StackState> {
  const paths = stackPaths();
  return withStackLock(supervisor(paths), () => startStack(paths, options));
}

async function startStack(paths: StackPaths, options: UpOptions): Promise<StackState> {
  const log = options.log ?? (() => undefined);
  const sup = supervisor(paths);
  const existing = readStackState(paths);
  const alive = componentStatus(paths);
  const expected: Component[] = ['worker', 'api', ...(existing?.temporal.managed === false ? [] : (['temporal'] as const)), ...(existing?.database.managed === false ? [] : (['db'] as const))];
  if (existing && expected.every((name) => alive[name] !== null)) {
    const differs = [
      options.temporalAddress !== undefined && options.temporalAddress !== existing.temporal.address ? `--temporal ${options.temporalAddress}` : null,
      options.databaseUrl !== undefined && options.databaseUrl !== existing.database.url ? '--database' : null,
      options.apiPort ? (new URL(existing.apiUrl).port === String(options.apiPort) ? null : `--port ${options.apiPort}`) : null,
    ].filter((x): x is string => x !== null);
    if (differs.length > 0) {
      throw new Error(`the stack is already up with other settings (${differs.join(', ')} differ from ${paths.stateFile}); run \`npx agiqa down\` first`);
    }
    return existing;
  }
  if (Object.values(alive).some((pid) => pid !== null)) {
    log('a partial stack is running; stopping it first');
    await stopAll(paths);
  }

  const choosePort = (wellKnown: number) => (options.ephemeralPorts ? freePort() : preferredPort(wellKnown));
  const entries = entryPoints(paths.root);
  for (const [what, file] of Object.entries(entries)) {
    if (!existsSync(file)) throw new Error(`${what} is not built (${file} missing): run \`npm run build\` first`);
  }
  mkdirSync(paths.home, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, AGIQA_HOME: paths.home, NODE_ENV: process.env.NODE_ENV ?? 'production' };

  try {
    // --- Temporal ---
    let temporal: StackState['temporal'];
    if (options.temporalAddress) {
      temporal = { address: options.temporalAddress, uiUrl: null, managed: false };
    } else {
      const { stdout } = await execFileAsync('bash', [entries.ensureTemporal], { cwd: paths.root });
      const temporalBin = stdout.trim().split('\n').at(-1) ?? 'temporal';
      const port = await choosePort(7233);
      const uiPort = await choosePort(8233);
      log(`starting Temporal dev server on 127.0.0.1:${port} (UI :${uiPort}, db ${paths.temporalDb})`);
      const { pid, logOffset } = startProcess(sup, {
        name: 'temporal',
        command: temporalBin,
        args: [
          'server', 'start-dev',
          '--ip', '127.0.0.1',
          '--port', String(port),
          '--ui-port', String(uiPort),
          '--db-filename', paths.temporalDb,
          '--log-level', 'warn',
          ...TEMPORAL_DEV_SERVER_ARGS,
        ],
        cwd: paths.root,
      });
      await waitForLog(sup, 'temporal', pid, logOffset, /Server:\s+\S+/, 60_000);
      await waitUntilReady(sup, 'temporal', pid, logOffset, temporalProbe(`127.0.0.1:${port}`), 60_000);
      temporal = { address: `127.0.0.1:${port}`, uiUrl: `http://127.0.0.1:${uiPort}`, managed: true };
    }
    env.TEMPORAL_ADDRESS = temporal.address;

    // --- Database ---
    let database: StackState['database'];
    if (options.databaseUrl) {
      database = { url: options.databaseUrl, kind: 'external', managed: false };
      log('applying migrations to the external PostgreSQL server');
      const { createDb } = await import('@agiqa/db');
      const db = await createDb({ url: options.databaseUrl, migrate: true });
      await db.close();
    } else {
      const port = await choosePort(54329);
      log(`starting the PGlite gateway on 127.0.0.1:${port} (data ${paths.pgliteDir})`);
      const { pid, logOffset } = startProcess(sup, {
        name: 'db',
        command: process.execPath,
        args: [entries.dbGateway, '--data-dir', paths.pgliteDir, '--host', '127.0.0.1', '--port', String(port)],
        env,
        cwd: paths.root,
      });
      // The gateway's own ready line only (its "in use" error also names a postgres:// URL), then
      // a real query through it.
      const match = await waitForLog(sup, 'db', pid, logOffset, /\[agiqa db gateway\] ready (postgres:\/\/\S+)/, 120_000);
      await waitUntilReady(sup, 'db', pid, logOffset, databaseProbe(match[1]), 60_000);
      database = { url: match[1], kind: 'pglite-gateway', managed: true };
    }
    env.DATABASE_URL = database.url;

    // --- Worker ---
    log('starting the worker (cpu + gpu queues)');
    {
      const { pid, logOffset } = startProcess(sup, {
        name: 'worker',
        command: process.execPath,
        args: [entries.worker, '--role', 'all'],
        env,
        cwd: paths.root,
      });
      await waitForLog(sup, 'worker', pid, logOffset, /agiqa worker ready/i, 180_000);
      const { TEMPORAL_NAMESPACE, AGIQA_CPU_QUEUE } = parseOrThrow(EnvSchema, env, 'environment');
      await waitUntilReady(sup, 'worker', pid, logOffset, workerProbe(temporal.address, TEMPORAL_NAMESPACE, AGIQA_CPU_QUEUE, pid), 60_000);
    }

    // --- API + dashboard ---
    const apiPort = options.apiPort && options.apiPort > 0 ? options.apiPort : await choosePort(8750);
    log(`starting the API + dashboard on 127.0.0.1:${apiPort}`);
    let apiUrl: string;
    {
      const { pid, logOffset } = startProcess(sup, {
        name: 'api',
        command: process.execPath,
        args: [entries.api],
        env: { ...env, AGIQA_API_HOST: '127.0.0.1', AGIQA_API_PORT: String(apiPort) },
        cwd: paths.root,
      });
      const match = await waitForLog(sup, 'api', pid, logOffset, /listening on (http:\/\/\S+)/i, 120_000);
      apiUrl = match[1].replace(/\/$/, '');
      await waitUntilReady(sup, 'api', pid, logOffset, apiProbe(apiUrl), 60_000);
    }

    const state: StackState = {
      startedAt: new Date().toISOString(),
      home: paths.home,
      apiUrl,
      dashboardUrl: `${apiUrl}/`,
      temporal,
      database,
      workers: ['worker'],
    };
    mkdirSync(paths.runDir, { recursive: true });
    writeFileSync(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`);
    return state;
  } catch (error) {
    log('start-up failed; stopping what was started');
    await stopAll(paths);
    throw error;
  }
}

/** Stops every stack process (api and worker first, the services they use last). */
export async function down(): Promise<Component[]> {
  const paths = stackPaths();
  return withStackLock(supervisor(paths), () => stopAll(paths));
}

async function stopAll(paths: StackPaths): Promise<Component[]> {
  const sup = supervisor(paths);
  const stopped: Component[] = [];
  for (const name of [...COMPONENTS].reverse()) {
    if (await stopProcess(sup, name)) stopped.push(name);
  }
  rmSync(paths.stateFile, { force: true });
  return stopped;
}

/** The well-known port when it is free, otherwise any free port (never two stacks on one port). */
async function preferredPort(port: number): Promise<number> {
  if (!(await portOpen('127.0.0.1', port)) && (await canListen(port))) return port;
  return freePort();
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
