import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AgiqaError } from '@agiqa/contracts';
import pg from 'pg';

const run = promisify(execFile);

/** A database on a real PostgreSQL server, private to its caller. */
export interface TestPostgres {
  /** `postgres://…/<fresh database>` */
  url: string;
  /** Drops the database (and stops the server this module started once nobody uses it). */
  stop(): Promise<void>;
}

/** Whether `startTestPostgres` can run here, and if not, why (for `describe.skipIf`). */
export interface PostgresAvailability {
  ok: boolean;
  /** How the server is obtained, or why it cannot be. */
  reason: string;
}

/**
 * Says whether a real PostgreSQL server is available for tests: `AGIQA_TEST_POSTGRES_URL`, or
 * local `initdb`/`pg_ctl` binaries (PATH, `/usr/lib/postgresql/<version>/bin`). When neither is
 * and `AGIQA_REQUIRE_POSTGRES=1` (CI), it throws, so tests fail instead of skipping.
 */
export function postgresAvailable(env: NodeJS.ProcessEnv = process.env): PostgresAvailability {
  const availability = probe(env);
  if (!availability.ok && env['AGIQA_REQUIRE_POSTGRES'] === '1') {
    throw new AgiqaError('unavailable', `AGIQA_REQUIRE_POSTGRES=1 but no PostgreSQL server is available: ${availability.reason}`);
  }
  return availability;
}

function probe(env: NodeJS.ProcessEnv): PostgresAvailability {
  if (env['AGIQA_TEST_POSTGRES_URL']) return { ok: true, reason: 'AGIQA_TEST_POSTGRES_URL' };
  const bin = findPostgresBin(env);
  if (!bin) {
    return { ok: false, reason: 'no AGIQA_TEST_POSTGRES_URL and no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin' };
  }
  if (isRoot() && postgresUid() === null) {
    return { ok: false, reason: `running as root (initdb refuses root) and there is no "postgres" user to run ${bin} as` };
  }
  return { ok: true, reason: `local server from ${bin}` };
}

/**
 * A fresh database on a real PostgreSQL server. With `AGIQA_TEST_POSTGRES_URL` it is created in
 * that server; otherwise one throw-away cluster per process is started (initdb + pg_ctl in a temp
 * folder, on a free port, fsync off) and shared by concurrent callers, each with its own
 * database. As root, the server runs as the `postgres` user (initdb refuses root).
 */
export async function startTestPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  const availability = postgresAvailable(env);
  if (!availability.ok) throw new AgiqaError('unavailable', `no PostgreSQL server for tests: ${availability.reason}`);
  const external = env['AGIQA_TEST_POSTGRES_URL'];
  if (external) return createDatabase(external, async () => undefined);
  const cluster = await acquireCluster(env);
  try {
    return await createDatabase(cluster.adminUrl, releaseCluster);
  } catch (error) {
    await releaseCluster();
    throw error;
  }
}

async function createDatabase(adminUrl: string, onStop: () => Promise<void>): Promise<TestPostgres> {
  const name = `agiqa_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let stopped = false;
  return {
    url: url.toString(),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      } finally {
        await onStop();
      }
    },
  };
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// --- the shared local cluster -------------------------------------------------------------------

interface Cluster {
  adminUrl: string;
  dir: string;
  bin: string;
  asPostgres: boolean;
  crashSafe: boolean;
}

let cluster: Promise<Cluster> | undefined;
let users = 0;

async function acquireCluster(env: NodeJS.ProcessEnv): Promise<Cluster> {
  users++;
  cluster ??= startCluster(env).catch((error: unknown) => {
    cluster = undefined;
    throw error;
  });
  try {
    return await cluster;
  } catch (error) {
    users--;
    throw error;
  }
}

async function releaseCluster(): Promise<void> {
  users--;
  if (users > 0 || !cluster) return;
  const current = await cluster;
  cluster = undefined;
  await stopCluster(current);
}

/**
 * `crashSafe`: keep `synchronous_commit` on, so that a commit survives a crash of the server
 * (fsync stays off: the OS keeps what a killed server wrote). Off for the shared cluster (faster).
 */
async function startCluster(env: NodeJS.ProcessEnv, crashSafe = false): Promise<Cluster> {
  const bin = findPostgresBin(env);
  if (!bin) throw new AgiqaError('unavailable', 'initdb/pg_ctl not found');
  const asPostgres = isRoot();
  const dir = mkdtempSync(path.join(tmpdir(), 'agiqa-pg-'));
  const uid = asPostgres ? postgresUid() : null;
  if (uid !== null) chownSync(dir, uid.uid, uid.gid);
  const c: Omit<Cluster, 'adminUrl'> = { dir, bin, asPostgres, crashSafe };
  try {
    await pgTool(c, 'initdb', ['-D', path.join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // A free port can be taken between probing and binding; retry with another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        await startServer(c, port);
        const result: Cluster = { ...c, adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres` };
        process.once('exit', () => stopClusterSync(result));
        return result;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new AgiqaError('unavailable', `could not start a test PostgreSQL server in ${dir}: ${(error as Error).message}`);
  }
}

/** Runs an initdb / pg_ctl of the cluster's installation (as `postgres` when we are root). */
function pgTool(c: Pick<Cluster, 'bin' | 'asPostgres'>, tool: string, args: string[]) {
  return c.asPostgres ? run('runuser', ['-u', 'postgres', '--', path.join(c.bin, tool), ...args]) : run(path.join(c.bin, tool), args);
}

/** Starts the cluster's server on `port` and waits until it accepts connections. */
async function startServer(c: Omit<Cluster, 'adminUrl'>, port: number): Promise<void> {
  const options = [
    `-p ${port}`,
    `-k ${c.dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    c.crashSafe ? '' : '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c TimeZone=UTC',
  ].filter(Boolean).join(' ');
  await pgTool(c, 'pg_ctl', ['-D', path.join(c.dir, 'data'), '-o', options, '-l', path.join(c.dir, 'server.log'), '-w', '-t', '60', 'start']);
}

async function stopCluster(c: Cluster): Promise<void> {
  await pgTool(c, 'pg_ctl', ['-D', path.join(c.dir, 'data'), '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  rmSync(c.dir, { recursive: true, force: true });
}

// --- a private server that a test may crash ----------------------------------------------------

/** A PostgreSQL server of its own, for a test that takes it down and brings it back. */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (the port stays the same across restarts). */
  url: string;
  /** Stops the server the way a crash would (`pg_ctl stop -m immediate`: no checkpoint, recovery on start). */
  crash(): Promise<void>;
  /** Starts it again on the same port and data folder; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** Stops it for good and deletes its folder. */
  stop(): Promise<void>;
}

/**
 * Whether `startPrivatePostgres` can run here: it needs the server binaries (an
 * `AGIQA_TEST_POSTGRES_URL` server is shared and must not be taken down). Like
 * `postgresAvailable`, throws under `AGIQA_REQUIRE_POSTGRES=1` when they are missing.
 */
export function privatePostgresAvailable(env: NodeJS.ProcessEnv = process.env): PostgresAvailability {
  const availability = probe({ ...env, AGIQA_TEST_POSTGRES_URL: '' });
  if (!availability.ok && env['AGIQA_REQUIRE_POSTGRES'] === '1') {
    throw new AgiqaError('unavailable', `AGIQA_REQUIRE_POSTGRES=1 but no PostgreSQL binaries for a private server: ${availability.reason}`);
  }
  return availability;
}

/** A throw-away cluster owned by the caller (initdb + pg_ctl in a temp folder, fsync off). */
export async function startPrivatePostgres(env: NodeJS.ProcessEnv = process.env): Promise<PrivatePostgres> {
  const availability = privatePostgresAvailable(env);
  if (!availability.ok) throw new AgiqaError('unavailable', `no PostgreSQL binaries for a private server: ${availability.reason}`);
  const c = await startCluster(env, true);
  const port = Number(new URL(c.adminUrl).port);
  return {
    url: c.adminUrl,
    crash: async () => void (await pgTool(c, 'pg_ctl', ['-D', path.join(c.dir, 'data'), '-m', 'immediate', '-w', 'stop'])),
    restart: () => startServer(c, port),
    stop: () => stopCluster(c),
  };
}

/** Last resort when the process exits with the cluster still running (a crashed test file). */
function stopClusterSync(c: Cluster): void {
  if (!existsSync(c.dir)) return;
  const args = ['-D', path.join(c.dir, 'data'), '-m', 'immediate', 'stop'];
  try {
    if (c.asPostgres) execFileSync('runuser', ['-u', 'postgres', '--', path.join(c.bin, 'pg_ctl'), ...args], { stdio: 'ignore' });
    else execFileSync(path.join(c.bin, 'pg_ctl'), args, { stdio: 'ignore' });
  } catch {
    // already stopped
  }
  rmSync(c.dir, { recursive: true, force: true });
}

// --- locating binaries ---------------------------------------------------------------------------

function findPostgresBin(env: NodeJS.ProcessEnv): string | null {
  const hasTools = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir && hasTools(dir)) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = path.join(root, version, 'bin');
    if (hasTools(dir)) return dir;
  }
  return null;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function postgresUid(): { uid: number; gid: number } | null {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const uid = id('-u');
    const gid = id('-g');
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
