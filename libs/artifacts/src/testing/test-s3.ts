import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AgiqaError } from '@agiqa/contracts';
import type { S3Settings } from '../s3-store.js';

/** A real S3-compatible server (versitygw over a temporary folder) with one fresh bucket. */
export interface TestS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** Connection settings for `S3ArtifactStore` (prefix ''). */
  settings: S3Settings;
  /** The server's own file of an object (prefix '' key), for tests that damage an object at rest. */
  objectPath(key: string): string;
  /** The environment a process needs to use this bucket as its artefact store (`prefix` under it). */
  env(prefix?: string): Record<string, string>;
  /** Kills the server (connections are refused) until `up()`; the data folder is kept. */
  down(): Promise<void>;
  /** Starts the server again on the same port and folder. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export interface S3Availability {
  ok: boolean;
  reason: string;
}

/**
 * Whether a versitygw binary is available: `$AGIQA_VERSITYGW_BIN`, `tools/.bin/versitygw` of this
 * repository (what `infra/s3/ensure-versitygw.sh` builds), or `versitygw` on PATH. When none is and
 * `AGIQA_REQUIRE_S3=1` (CI), it throws, so tests fail instead of skipping.
 */
export function s3Available(env: NodeJS.ProcessEnv = process.env): S3Availability {
  const bin = versitygwExecutable(env);
  const availability = bin ? { ok: true, reason: `versitygw at ${bin}` } : { ok: false, reason: 'no versitygw (run `bash infra/s3/ensure-versitygw.sh`, or set AGIQA_VERSITYGW_BIN)' };
  if (!availability.ok && env['AGIQA_REQUIRE_S3'] === '1') {
    throw new AgiqaError('unavailable', `AGIQA_REQUIRE_S3=1 but no S3 server is available: ${availability.reason}`);
  }
  return availability;
}

export function versitygwExecutable(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env['AGIQA_VERSITYGW_BIN']) return env['AGIQA_VERSITYGW_BIN'];
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  const local = join(repoRoot, 'tools/.bin/versitygw');
  if (existsSync(local)) return local;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'versitygw'))) return join(dir, 'versitygw');
  }
  return null;
}

/**
 * Starts versitygw (posix backend) on a free port over a temporary folder, with random root
 * credentials, and creates one bucket through the AWS SDK. Never a mock: signing, multipart
 * uploads, checksums and error responses are the server's.
 */
export async function startTestS3(env: NodeJS.ProcessEnv = process.env): Promise<TestS3> {
  const bin = versitygwExecutable(env);
  if (!bin) throw new AgiqaError('unavailable', `no S3 server for tests: ${s3Available(env).reason}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'agiqa-s3-'));
  const port = await freePort();
  const accessKeyId = `agiqa${randomBytes(4).toString('hex')}`;
  const secretAccessKey = randomBytes(16).toString('hex');
  const endpoint = `http://127.0.0.1:${port}`;
  const bucket = `agiqa-test-${randomBytes(4).toString('hex')}`;
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    child = spawn(bin, ['--port', `127.0.0.1:${port}`, 'posix', dataDir], {
      env: { ...process.env, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    await waitForPort(port, 30_000, () => (child?.exitCode !== null ? `versitygw exited (${child?.exitCode}): ${output}` : null));
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  // A test process that dies without stop() must not leave a server behind.
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);
  const settings: S3Settings = { bucket, prefix: '', endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } };
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    await kill();
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    bucket,
    settings,
    objectPath: (key) => join(dataDir, bucket, key),
    env: (prefix = '') => ({
      AGIQA_ARTIFACTS: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    }),
    down: kill,
    up: start,
    async stop() {
      process.off('exit', onExit);
      await kill();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, failed: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = failed();
    if (why) throw new AgiqaError('unavailable', why);
    const open = await new Promise<boolean>((r) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), r(true)));
      socket.once('error', () => r(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new AgiqaError('unavailable', `versitygw did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
