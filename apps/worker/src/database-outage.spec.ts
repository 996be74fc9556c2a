import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@agiqa/db';
import { privatePostgresAvailable, startGatewayProcess, startPrivatePostgres, type GatewayProcess, type PrivatePostgres } from '@agiqa/db/testing';
import { startSweep } from '@agiqa/orchestration';
import { settledWithin, startHarness, tinyGrid, waitFor, type Harness } from './testing/harness.js';
import type { SweepOutcome } from './workflows/types.js';

// The database goes away for 60 s in the middle of a 4-cell sweep (killed: the PGlite gateway with
// SIGKILL, a PostgreSQL server with an immediate shutdown) and comes back: the cells wait instead
// of failing, and the sweep ends exactly as an undisturbed one. Workers run in this process (real
// activities, a real Temporal dev server); only the database is taken away.

const OUTAGE_MS = 60_000;
const EPOCHS = 40;
const GRID = tinyGrid({ fusions: ['concat', 'cosine'], seeds: [0, 1], epochs: EPOCHS, maxParallel: 2 });

/** What a finished cell left in the database, keyed so that two sweeps compare cell by cell. */
interface CellResult {
  status: string;
  attempts: string[];
  metrics: (number | null)[];
  epochs: (number | null)[][];
  predictions: [string, number, number][];
}

async function cellResults(db: Db, sweepId: string): Promise<Record<string, CellResult>> {
  const runs = await db.prisma.run.findMany({
    where: { sweepId },
    include: {
      attemptsLog: { orderBy: { attempt: 'asc' } },
      epochMetrics: { orderBy: { epoch: 'asc' } },
      predictions: { include: { item: { select: { key: true } } } },
    },
  });
  return Object.fromEntries(
    runs.map((run) => [
      run.cellKey,
      {
        status: run.status,
        attempts: run.attemptsLog.map((a) => `${a.attempt}:${a.status}`),
        metrics: [run.srcc, run.plcc, run.plccLogistic, run.krcc, run.rmse, run.reportedEpoch, run.epochsDone],
        epochs: run.epochMetrics.map((e) => [e.epoch, e.trainLoss, e.valSrcc, e.testSrcc, e.testPlcc]),
        predictions: run.predictions.map((p): [string, number, number] => [p.item.key, p.predicted, p.mos]).sort((a, b) => a[0].localeCompare(b[0])),
      },
    ]),
  );
}

/** Activity attempts beyond the first, by activity type, in every workflow of the sweep. */
async function retriedActivities(h: Harness, runWorkflowIds: string[]): Promise<Record<string, number>> {
  const retried: Record<string, number> = {};
  for (const id of runWorkflowIds) {
    const history = await h.env.client.workflow.getHandle(id).fetchHistory();
    const types = new Map<string, string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const started = event.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) {
        const type = types.get(String(started.scheduledEventId)) ?? '?';
        retried[type] = (retried[type] ?? 0) + (started.attempt ?? 1) - 1;
      }
    }
  }
  return retried;
}

/** A sweep of GRID on `h`, started through Temporal like the API does. */
async function runSweep(h: Harness): Promise<{ sweepId: string; workflowId: string }> {
  const { sweepId } = await h.newSweep(GRID);
  const { workflowId } = await startSweep(h.env.client, { sweepId, taskQueue: h.cpuQueue });
  return { sweepId, workflowId };
}

interface Outage {
  /** Takes the database away the way a crash would. */
  kill(): Promise<void>;
  /** Brings it back. */
  restart(): Promise<void>;
}

/**
 * Runs GRID, kills the database once the first cell has completed and the second is training,
 * keeps it away for OUTAGE_MS, restarts it, and returns what the sweep left behind.
 */
async function sweepThroughOutage(h: Harness, outage: Outage) {
  const { sweepId, workflowId } = await runSweep(h);
  await waitFor(
    async () => {
      const runs = await h.db.prisma.run.findMany({ where: { sweepId }, select: { status: true, epochsDone: true } });
      const completed = runs.filter((r) => r.status === 'completed').length;
      const training = runs.some((r) => r.status === 'running' && r.epochsDone >= 1 && r.epochsDone < EPOCHS);
      return completed >= 1 && completed < runs.length && training ? true : undefined;
    },
    'the first cell completed and another one training',
    240_000,
    20,
  );
  await outage.kill();
  await sleep(OUTAGE_MS);
  await outage.restart();
  const outcome = (await h.env.client.workflow.getHandle(workflowId).result()) as SweepOutcome;
  const runs = await h.db.prisma.run.findMany({ where: { sweepId }, select: { workflowId: true } });
  return { sweepId, outcome, retried: await retriedActivities(h, runs.flatMap((r) => r.workflowId ?? [])) };
}

/** The checks every outage must pass against the undisturbed reference. */
async function expectUndisturbedResults(h: Harness, sweepId: string, outcome: SweepOutcome, retried: Record<string, number>, reference: Record<string, CellResult>) {
  expect(outcome).toMatchObject({ status: 'completed', counts: { completed: 4, failed: 0, cancelled: 0, pending: 0, running: 0 } });
  const results = await cellResults(h.db, sweepId);
  // Same cells, each completed in its first attempt, with exactly the reference's numbers and rows.
  expect(results).toEqual(reference);
  for (const [cell, result] of Object.entries(results)) {
    expect(result.attempts, cell).toEqual(['1:completed']);
    expect(result.epochs, cell).toHaveLength(EPOCHS);
  }
  // Training waited for the database in process and never lost an attempt (short activities that
  // met the outage were retried by Temporal: which ones depends on timing).
  expect(retried.trainRun ?? 0).toBe(0);
  // No duplicate rows anywhere: one sweep's worth of rows per table.
  const prisma = h.db.prisma;
  const runIds = (await prisma.run.findMany({ where: { sweepId }, select: { id: true } })).map((r) => r.id);
  expect(runIds).toHaveLength(4);
  expect(await prisma.runAttempt.count({ where: { runId: { in: runIds } } })).toBe(4);
  expect(await prisma.epochMetric.count({ where: { runId: { in: runIds } } })).toBe(4 * EPOCHS);
  const predictions = Object.values(reference).reduce((n, r) => n + r.predictions.length, 0);
  expect(await prisma.prediction.count({ where: { runId: { in: runIds } } })).toBe(predictions);
}

const postgres = privatePostgresAvailable();

describe('a 60 s database outage in the middle of a 4-cell sweep', () => {
  let dir: string;
  let gateway: GatewayProcess;
  let gatewayDb: Db;
  let onGateway: Harness;
  let server: PrivatePostgres | undefined;
  let serverDb: Db | undefined;
  let onServer: Harness | undefined;
  const stops: (() => Promise<void>)[] = [];
  let reference: Record<string, CellResult>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agiqa-outage-'));
    gateway = await startGatewayProcess({ dataDir: join(dir, 'pglite') });
    gatewayDb = await createDb({ url: gateway.url });
    onGateway = await startHarness({ db: gatewayDb });
    stops.push(await onGateway.startWorkers());
    if (postgres.ok) {
      server = await startPrivatePostgres();
      serverDb = await createDb({ url: server.url, migrate: true });
      onServer = await startHarness({ db: serverDb });
      stops.push(await onServer.startWorkers());
    }
    // The undisturbed sweep: training is deterministic, so every outage must end with its numbers.
    const { sweepId, workflowId } = await runSweep(onGateway);
    await onGateway.env.client.workflow.getHandle(workflowId).result();
    reference = await cellResults(gatewayDb, sweepId);
    expect(Object.values(reference).map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
  }, 600_000);

  /** How long one teardown step may take before it is reported and left behind. */
  const TEARDOWN_STEP_MS = 60_000;
  // Each step bounded and named: this teardown hung once in CI under load (after both tests had
  // passed) without saying which step; a step that hangs now warns with its name and is left behind.
  afterAll(async () => {
    const step = (name: string, work: () => Promise<unknown> | undefined) => settledWithin(work() ?? Promise.resolve(), TEARDOWN_STEP_MS, () => name);
    for (const stop of stops) await step('stop workers', stop);
    await step('close the gateway harness', () => onGateway?.close());
    await step('close the server harness', () => onServer?.close());
    await step('close the gateway database client', () => gatewayDb?.close());
    await step('close the server database client', () => serverDb?.close());
    await step('stop the PGlite gateway', () => gateway?.stop());
    await step('stop the PostgreSQL server', () => server?.stop());
    await rm(dir, { recursive: true, force: true });
  }, 10 * TEARDOWN_STEP_MS);

  // Both outages at once: the file waits through one minute of outage instead of two.
  describe.concurrent('the sweep completes with the numbers of an undisturbed one', () => {
    it('the PGlite gateway killed (SIGKILL) and restarted', async () => {
      const { sweepId, outcome, retried } = await sweepThroughOutage(onGateway, { kill: () => gateway.kill('SIGKILL'), restart: () => gateway.restart() });
      await expectUndisturbedResults(onGateway, sweepId, outcome, retried, reference);
    }, 600_000);

    it.skipIf(!postgres.ok)(`a PostgreSQL server crashed and restarted${postgres.ok ? '' : ` (skipped: ${postgres.reason})`}`, async () => {
      const h = onServer as Harness;
      const pg = server as PrivatePostgres;
      const { sweepId, outcome, retried } = await sweepThroughOutage(h, { kill: () => pg.crash(), restart: () => pg.restart() });
      await expectUndisturbedResults(h, sweepId, outcome, retried, reference);
    }, 600_000);
  });
});
