/**
 * What the embedded PGlite gateway costs per query, against the same PGlite in process and against
 * a real PostgreSQL server (when one is available): a trivial query, a point read and a one-row
 * insert, through the raw driver and through Prisma, sequentially (latency) and from 8 concurrent
 * clients (throughput). PGlite runs on a data folder and the gateway in its own process, as the
 * embedded stack runs them.
 *
 *   npx tsx --conditions @agiqa/source bench/db-gateway.ts [--ops 2000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { applyMigrations, createDb, type Db, type PrismaClient } from '@agiqa/db';
import { PgliteAdapterFactory } from '../libs/db/src/connection/pglite-adapter.js';
import { PrismaClient as Client } from '../libs/db/src/generated/prisma/client.js';
import { postgresAvailable, startTestPostgres } from '@agiqa/db/testing';

const { values: args } = parseArgs({ options: { ops: { type: 'string', default: '2000' } } });
const ops = Number(args.ops);
if (!Number.isInteger(ops) || ops < 100) throw new Error(`--ops must be an integer ≥ 100, got ${args.ops}`);
const WARMUP = 200;
const CONCURRENCY = 8;

interface Row {
  target: string;
  path: string;
  op: string;
  medianUs: number;
  p90Us: number;
  perSecond: number;
}
const rows: Row[] = [];

/** Sequential latency: median and p90 of `ops` awaited calls after a warm-up. */
async function latency(target: string, via: string, op: string, call: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < WARMUP; i++) await call(-1 - i);
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < ops; i++) {
    const t = performance.now();
    await call(i);
    times.push((performance.now() - t) * 1000);
  }
  const elapsed = performance.now() - started;
  console.error(`  ${target} · ${via} · ${op}: ${(elapsed / 1000).toFixed(1)} s`);
  times.sort((a, b) => a - b);
  rows.push({
    target,
    path: via,
    op,
    medianUs: times[Math.floor(times.length / 2)] as number,
    p90Us: times[Math.floor(times.length * 0.9)] as number,
    perSecond: (ops / elapsed) * 1000,
  });
}

/** Throughput of `CONCURRENCY` callers issuing `ops` calls in total. */
async function throughput(target: string, via: string, op: string, callers: ((i: number) => Promise<unknown>)[]): Promise<void> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    callers.map(async (call) => {
      while (next < ops) await call(next++);
    }),
  );
  const elapsed = performance.now() - started;
  console.error(`  ${target} · ${via} × ${callers.length} · ${op}: ${(elapsed / 1000).toFixed(1)} s`);
  rows.push({ target, path: `${via}, ${callers.length} clients`, op, medianUs: NaN, p90Us: NaN, perSecond: (ops / elapsed) * 1000 });
}

/** `libs/db/src/gateway/main.ts` as a child process; resolves once it prints its URL. */
function startGatewayProcess(dataDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const entry = new URL('../libs/db/src/gateway/main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--conditions=@agiqa/source', '--import', 'tsx', entry, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let out = '';
  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`gateway exited with ${code}: ${out}`)));
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /ready (postgres:\/\/\S+)/.exec(out)?.[1];
      if (!url) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve({
        url,
        async close() {
          child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
  });
}

let tokenSeq = 0;
const token = () => ({ name: `bench-${process.pid}-${tokenSeq++}`, tokenHash: `h-${tokenSeq}` });

async function prismaSuite(target: string, via: string, prisma: PrismaClient): Promise<void> {
  const { name } = await prisma.apiToken.create({ data: token() });
  await latency(target, via, 'point read', () => prisma.apiToken.findUnique({ where: { name } }));
  await latency(target, via, 'insert', () => prisma.apiToken.create({ data: token() }));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'agiqa-bench-db-'));
  try {
    // --- PGlite in process ---
    const local = await PGlite.create(path.join(dir, 'in-process'));
    await applyMigrations(local);
    await latency('PGlite in process', 'PGlite API', 'SELECT $1', (i) => local.query('SELECT $1::int AS n', [i]));
    const localPrisma = new Client({ adapter: new PgliteAdapterFactory(local) });
    await prismaSuite('PGlite in process', 'Prisma (PGlite adapter)', localPrisma);
    await localPrisma.$disconnect();
    await local.close();

    // --- PGlite behind the gateway (its own process) ---
    const gateway = await startGatewayProcess(path.join(dir, 'gateway'));
    const client = new pg.Client({ connectionString: gateway.url });
    await client.connect();
    await latency('PGlite gateway', 'node-postgres', 'SELECT $1', (i) => client.query('SELECT $1::int AS n', [i]));
    const clients = await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        const c = new pg.Client({ connectionString: gateway.url });
        await c.connect();
        return c;
      }),
    );
    await throughput('PGlite gateway', 'node-postgres', 'SELECT $1', clients.map((c) => (i: number) => c.query('SELECT $1::int AS n', [i])));
    const viaGateway: Db = await createDb({ url: gateway.url, poolSize: CONCURRENCY });
    await prismaSuite('PGlite gateway', 'Prisma (adapter-pg)', viaGateway.prisma);
    await throughput('PGlite gateway', 'Prisma (adapter-pg)', 'point read', Array.from({ length: CONCURRENCY }, () => () => viaGateway.prisma.apiToken.count()));
    await viaGateway.close();
    await Promise.all([client, ...clients].map((c) => c.end()));
    await gateway.close();

    // --- PostgreSQL server (reference) ---
    if (postgresAvailable().ok) {
      const server = await startTestPostgres();
      try {
        const db = await createDb({ url: server.url, migrate: true, poolSize: CONCURRENCY });
        const c = new pg.Client({ connectionString: server.url });
        await c.connect();
        await latency('PostgreSQL 15 server', 'node-postgres', 'SELECT $1', (i) => c.query('SELECT $1::int AS n', [i]));
        const cs = await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
          const x = new pg.Client({ connectionString: server.url });
          await x.connect();
          return x;
        }));
        await throughput('PostgreSQL 15 server', 'node-postgres', 'SELECT $1', cs.map((x) => (i: number) => x.query('SELECT $1::int AS n', [i])));
        await prismaSuite('PostgreSQL 15 server', 'Prisma (adapter-pg)', db.prisma);
        await throughput('PostgreSQL 15 server', 'Prisma (adapter-pg)', 'point read', Array.from({ length: CONCURRENCY }, () => () => db.prisma.apiToken.count()));
        await Promise.all([c, ...cs].map((x) => x.end()));
        await db.close();
      } finally {
        await server.stop();
      }
    } else {
      console.log(`(no PostgreSQL server: ${postgresAvailable().reason})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
  console.log(`\n${ops} ops per row after ${WARMUP} warm-up; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; Node ${process.version}\n`);
  console.log('| target | path | op | median µs | p90 µs | ops/s |');
  console.log('|---|---|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.target} | ${r.path} | ${r.op} | ${fmt(r.medianUs)} | ${fmt(r.p90Us)} | ${fmt(r.perSecond)} |`);
}

await main();
