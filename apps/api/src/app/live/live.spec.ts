import { RunEpochsEventSchema, SweepRunsEventSchema, SweepSnapshotEventSchema, SweepStateEventSchema } from '@agiqa/contracts';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataset, seedSweep } from '../../testing/seed.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { LiveService } from './live.service.js';

/** Reads a server-sent event stream into a queue the test awaits event by event. */
async function openStream(url: string) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
  const queue: { type: string; data: unknown }[] = [];
  let wake: (() => void) | null = null;
  const parser = createParser({
    onEvent: (event) => {
      queue.push({ type: event.event ?? 'message', data: JSON.parse(event.data) as unknown });
      wake?.();
    },
  });
  const done = (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done: finished } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (finished) return;
      parser.feed(value ?? '');
    }
  })();
  return {
    response,
    async next(type?: string, timeoutMs = 10_000): Promise<{ type: string; data: unknown }> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex((e) => e.type !== 'ping' && (type === undefined || e.type === type));
        if (index >= 0) return queue.splice(index, 1)[0];
        if (Date.now() > deadline) throw new Error(`no ${type ?? 'event'} within ${timeoutMs} ms; got ${queue.map((e) => e.type).join(', ')}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
    },
    /** Stops reading; the server notices the closed connection and unsubscribes. */
    close: () => {
      controller.abort();
      void done;
    },
  };
}

describe(LiveService.name, () => {
  let api: TestApi;
  let sweepId: string;
  let runIds: string[];

  beforeAll(async () => {
    api = await startTestApi({ liveIntervalMs: 50 });
    await seedDataset(api.db.prisma, 'synth', { items: 8 });
    const { sweep, runs } = await seedSweep(api.db.prisma, { encoders: ['tiny-bert'], fusions: ['concat', 'cosine'], datasets: ['synth'], seeds: [0], epochs: 4 });
    sweepId = sweep.id;
    runIds = runs.map((r) => r.id);
    await api.db.prisma.sweep.update({ where: { id: sweepId }, data: { status: 'running' } });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('streams a sweep: a snapshot, then only the runs that changed, the sweep state, and the end', async () => {
    const stream = await openStream(`${api.url}/api/sweeps/${sweepId}/events`);
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
    const snapshot = SweepSnapshotEventSchema.parse((await stream.next('snapshot')).data);
    expect(snapshot.runs).toHaveLength(2);
    expect(snapshot.live.phase).toBe('queued');

    const prisma = api.db.prisma;
    await prisma.run.update({ where: { id: runIds[0] }, data: { status: 'running', startedAt: new Date(Date.now() - 2000), epochsDone: 1 } });
    const changed = SweepRunsEventSchema.parse((await stream.next('runs')).data);
    expect(changed.runs.map((r) => [r.id, r.status, r.epochsDone])).toEqual([[runIds[0], 'running', 1]]);
    const state = SweepStateEventSchema.parse((await stream.next('sweep')).data);
    expect(state).toMatchObject({ counts: { running: 1, pending: 1 }, progress: { epochsDone: 1, epochsTotal: 8 }, live: { phase: 'training' } });
    expect(state.live.etaSeconds).toBeGreaterThan(0);

    // A row touched without a visible change sends nothing.
    await prisma.run.update({ where: { id: runIds[1] }, data: { cellKey: (await prisma.run.findUniqueOrThrow({ where: { id: runIds[1] } })).cellKey } });
    for (const id of runIds) await prisma.run.update({ where: { id }, data: { status: 'completed', epochsDone: 4, srcc: 0.5, plcc: 0.5, krcc: 0.4, rmse: 1, finishedAt: new Date() } });
    await prisma.sweep.update({ where: { id: sweepId }, data: { status: 'completed', finishedAt: new Date() } });
    const finals = new Set<string>();
    while (finals.size < 2) for (const run of SweepRunsEventSchema.parse((await stream.next('runs')).data).runs) finals.add(run.id);
    await stream.next('end');
    stream.close();
  });

  it('serves many subscribers of one sweep from one watcher', async () => {
    const streams = await Promise.all(Array.from({ length: 5 }, () => openStream(`${api.url}/api/sweeps/${sweepId}/events`)));
    for (const s of streams) SweepSnapshotEventSchema.parse((await s.next('snapshot')).data);
    // The sweep finished: every stream ends right after its snapshot.
    for (const s of streams) await s.next('end');
    for (const s of streams) s.close();
  });

  it('keeps a sweep watched a while after its last subscriber leaves, and reopens from memory', async () => {
    const prisma = api.db.prisma;
    const live = api.app.get(LiveService);
    const { sweep } = await seedSweep(prisma, { encoders: ['tiny-bert'], fusions: ['concat'], datasets: ['synth'], seeds: [7], epochs: 2 });
    await prisma.sweep.update({ where: { id: sweep.id }, data: { status: 'running' } });
    const first = await openStream(`${api.url}/api/sweeps/${sweep.id}/events`);
    await first.next('snapshot');
    first.close();
    // The server has seen the close, and the watcher is still there.
    await expect.poll(() => live.watchedSweeps().find((w) => w.id === sweep.id)).toEqual({ id: sweep.id, subscribers: 0 });
    const again = await openStream(`${api.url}/api/sweeps/${sweep.id}/events`);
    SweepSnapshotEventSchema.parse((await again.next('snapshot')).data);
    again.close();
    // 30 ticks of 50 ms after the last subscriber left, the watcher is gone.
    await expect.poll(() => live.watchedSweeps().map((w) => w.id), { timeout: 5_000 }).not.toContain(sweep.id);
  });

  it('gives first subscribers that arrive together one watcher', async () => {
    const prisma = api.db.prisma;
    const live = api.app.get(LiveService);
    const { sweep } = await seedSweep(prisma, { encoders: ['tiny-bert'], fusions: ['cosine'], datasets: ['synth'], seeds: [8], epochs: 2 });
    await prisma.sweep.update({ where: { id: sweep.id }, data: { status: 'running' } });
    // Called together (not through HTTP, which may serialise them): each finds no watcher yet.
    const observables = await Promise.all(Array.from({ length: 3 }, () => live.sweepEvents(sweep.id)));
    const subscriptions = observables.map((o) => o.subscribe(() => undefined));
    expect(live.watchedSweeps().filter((w) => w.id === sweep.id)).toEqual([{ id: sweep.id, subscribers: 3 }]);
    for (const s of subscriptions) s.unsubscribe();
  });

  it('streams a run: its epochs so far, then new epochs as they land', async () => {
    const prisma = api.db.prisma;
    const { runs } = await seedSweep(prisma, { encoders: ['tiny-bert'], fusions: ['concat'], datasets: ['synth'], seeds: [5], epochs: 3 });
    const runId = runs[0].id;
    await prisma.run.update({ where: { id: runId }, data: { status: 'running', epochsDone: 1 } });
    await prisma.epochMetric.create({ data: { runId, epoch: 1, trainLoss: 1, testSrcc: 0.1, testPlcc: 0.1, durationMs: 5 } });
    const stream = await openStream(`${api.url}/api/runs/${runId}/events`);
    const snapshot = (await stream.next('snapshot')).data as { epochs: unknown[] };
    expect(snapshot.epochs).toHaveLength(1);
    await prisma.epochMetric.create({ data: { runId, epoch: 2, trainLoss: 0.5, testSrcc: 0.2, testPlcc: 0.2, durationMs: 5 } });
    expect(RunEpochsEventSchema.parse((await stream.next('epochs')).data).epochs.map((e) => e.epoch)).toEqual([2]);
    await prisma.run.update({ where: { id: runId }, data: { status: 'failed', error: 'boom' } });
    await stream.next('end');
    stream.close();
  });

  it('answers an unknown sweep with a 404, before any stream starts', async () => {
    const response = await api.request('GET', '/api/sweeps/nope/events');
    expect(response.status).toBe(404);
  });
});
