import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '@agiqa/db';
import { createTestDb } from '@agiqa/db/testing';
import { rememberCpuQueue } from './connection.js';
import { rerunFailedCells } from './rerun.js';
import { sweepWorkflowId } from './sweeps.js';
import { startTestTemporal } from './testing/index.js';

// No worker: a started re-run stays RUNNING, which is what the conflict checks need.
let env: TestWorkflowEnvironment;
let db: Db;
let datasetId: string;

beforeAll(async () => {
  [env, db] = await Promise.all([startTestTemporal(), createTestDb()]);
  rememberCpuQueue(env.client, `rerun-spec-${process.pid}`);
  const dataset = await db.prisma.dataset.create({
    data: { name: 'd', format: 'agiqa3k', root: '/data/d', contentHash: 'h', itemCount: 0, labels: ['quality'], summary: {} },
  });
  datasetId = dataset.id;
});
afterAll(async () => {
  await db?.close();
  await env?.teardown();
});

/** A finished sweep (execution 1) whose cells ended with the given statuses. */
async function finishedSweep(statuses: ('completed' | 'failed' | 'cancelled')[]) {
  const sweep = await db.prisma.sweep.create({ data: { grid: {}, cellCount: statuses.length, status: 'failed' } });
  const runs = [];
  for (const [i, status] of statuses.entries()) {
    runs.push(
      await db.prisma.run.create({
        data: {
          sweepId: sweep.id,
          cellKey: `d/tiny-bert/concat/r0/s${i}`,
          datasetId,
          textEncoder: 'tiny-bert',
          imageEncoder: 'tiny-clip',
          fusion: 'concat',
          splitRepeat: 0,
          seed: i,
          config: {},
          status,
          attempts: 1,
          error: status === 'completed' ? null : `${status} before`,
        },
      }),
    );
  }
  return { sweep, runs };
}

describe(rerunFailedCells.name, () => {
  it('re-runs only the failed and cancelled cells as a new execution of the sweep', async () => {
    const { sweep, runs } = await finishedSweep(['completed', 'failed', 'cancelled']);
    const result = await rerunFailedCells(db.prisma, env.client, sweep.id);

    expect(result).toMatchObject({ sweepId: sweep.id, execution: 2, workflowId: sweepWorkflowId(sweep.id, 2) });
    expect(result.runIds).toEqual([runs[1].id, runs[2].id]);
    const after = await db.prisma.run.findMany({ where: { sweepId: sweep.id }, orderBy: { cellKey: 'asc' } });
    expect(after.map((r) => r.status)).toEqual(['completed', 'pending', 'pending']);
    // Re-run cells start without the previous attempt's error (it stays in their RunAttempt rows).
    expect(after.map((r) => r.error)).toEqual([null, null, null]);
    expect(after[0].updatedAt).toEqual(runs[0].updatedAt);
    expect(await db.prisma.sweep.findUniqueOrThrow({ where: { id: sweep.id } })).toMatchObject({ executions: 2, status: 'pending' });

    const history = await env.client.workflow.getHandle(result.workflowId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data as Uint8Array;
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual({ sweepId: sweep.id, runIds: result.runIds });
  });

  it('refuses while the sweep still runs', async () => {
    const { sweep } = await finishedSweep(['failed']);
    await rerunFailedCells(db.prisma, env.client, sweep.id);
    await expect(rerunFailedCells(db.prisma, env.client, sweep.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('still running'),
    });
  });

  it('lets only one of two concurrent re-runs start', async () => {
    const { sweep } = await finishedSweep(['failed', 'cancelled']);
    const results = await Promise.allSettled([rerunFailedCells(db.prisma, env.client, sweep.id), rerunFailedCells(db.prisma, env.client, sweep.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'conflict' } });
    expect((await db.prisma.sweep.findUniqueOrThrow({ where: { id: sweep.id } })).executions).toBe(2);
  });

  it('reports a sweep without failed or cancelled cells as a conflict and an unknown one as not found', async () => {
    const { sweep } = await finishedSweep(['completed', 'completed']);
    await expect(rerunFailedCells(db.prisma, env.client, sweep.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('no failed or cancelled cells'),
    });
    await expect(rerunFailedCells(db.prisma, env.client, 'missing')).rejects.toMatchObject({ code: 'not_found' });
  });
});
