import type { RunSummary, SweepDetail } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../api-client.js';
import type { Progress } from '../progress/progress.js';
import { failureReport, followSweep, FollowInterrupted, phaseOf, type FollowedSweep } from './follow-sweep.js';

function run(cell: string, status: RunSummary['status'], epochsDone: number, error: string | null = null): RunSummary {
  return {
    id: `run-${cell}`, sweepId: 's1', cellKey: `d/${cell}/r0/s0`, dataset: 'd', method: 'fusion-head', textEncoder: 'tiny-bert', imageEncoder: 'tiny-clip',
    fusion: 'concat', splitRepeat: 0, seed: 0, status, attempts: 1, backend: 'wasm', engine: 'tfjs', engineVersion: '4.22.0', device: 'cpu', deviceName: 'Test CPU', dtype: 'float32', trainingMode: 'frozen', reportRule: 'last',
    reportedEpoch: null, epochsDone, epochs: 4, metrics: null, error, startedAt: null, finishedAt: null,
  };
}

function sweep(status: SweepDetail['status'], runs: RunSummary[]): FollowedSweep {
  const counts = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const r of runs) counts[r.status] += 1;
  const done = runs.reduce((n, r) => n + (['completed', 'failed', 'cancelled'].includes(r.status) ? r.epochs : r.epochsDone), 0);
  return {
    id: 's1', name: null, status, scheduleId: null, cellCount: runs.length, counts, createdAt: '2026-01-01T00:00:00.000Z', finishedAt: null, archived: false,
    grid: {} as SweepDetail['grid'], runs, progress: { epochsDone: done, epochsTotal: 4 * runs.length, fraction: 0, finishedCells: 0 },
  };
}

function recorder() {
  const events: string[] = [];
  const progress: Progress = {
    update: (done, total, detail) => events.push(`${done}/${total} ${detail}`),
    log: (line) => events.push(`log ${line}`),
    stop: () => events.push('stop'),
  };
  return { events, progress };
}

const api = {} as ApiClient;
const BAD_FOLDER = 'encoder bert-base: no model folder at /models/bert-base (set AGIQA_MODELS_DIR)';

describe(followSweep.name, () => {
  it('moves the bar by epochs, says the phase, logs each failed cell once and returns the final sweep', async () => {
    const { events, progress } = recorder();
    const snapshots = [
      sweep('running', [run('a', 'running', 0), run('b', 'pending', 0)]),
      sweep('running', [run('a', 'running', 2), run('b', 'failed', 0, BAD_FOLDER)]),
      sweep('running', [run('a', 'running', 3), run('b', 'failed', 0, BAD_FOLDER)]),
      sweep('failed', [run('a', 'completed', 4), run('b', 'failed', 0, BAD_FOLDER)]),
    ];
    async function* source() {
      yield* snapshots;
    }
    const final = await followSweep(api, 's1', { progress, snapshots: source() });
    expect(final.status).toBe('failed');
    expect(events).toEqual([
      '0/8 extracting features · 0/2 cells done, 1 running',
      `log   ✗ d/b/r0/s0 failed: ${BAD_FOLDER}`,
      '6/8 training · 0/2 cells done, 1 running, 1 failed',
      '7/8 training · 0/2 cells done, 1 running, 1 failed',
      '8/8 failed · 1/2 cells done, 1 failed',
      'stop',
    ]);
  });

  it('stops following on Ctrl-C (abort) without touching the sweep', async () => {
    const { progress } = recorder();
    const controller = new AbortController();
    async function* source() {
      yield sweep('running', [run('a', 'running', 1)]);
      controller.abort();
      throw new DOMException('aborted', 'AbortError');
    }
    await expect(followSweep(api, 's1', { progress, signal: controller.signal, snapshots: source() })).rejects.toBeInstanceOf(FollowInterrupted);
  });
});

describe(failureReport.name, () => {
  it('groups failed cells by reason with a few examples and says what to do next', () => {
    const runs = [run('a', 'completed', 4), ...['b', 'c', 'd', 'e'].map((c) => run(c, 'failed', 0, `${BAD_FOLDER}\n  at stack`)), run('f', 'cancelled', 1)];
    const lines = failureReport(sweep('failed', runs));
    expect(lines[0]).toBe('4 of 6 cells failed:');
    expect(lines[1]).toBe(`  4 × ${BAD_FOLDER}`);
    expect(lines[2]).toBe('      d/b/r0/s0, d/c/r0/s0, d/d/r0/s0, +1 more');
    expect(lines[3]).toBe('1 of 6 cells were cancelled.');
    expect(lines[4]).toContain('npx agiqa sweep rerun-failed s1');
    expect(failureReport(sweep('completed', [run('a', 'completed', 4)]))).toEqual([]);
  });

  it('calls a finished sweep by its status, a waiting one queued', () => {
    expect(phaseOf(sweep('cancelled', [run('a', 'cancelled', 1)]))).toBe('cancelled');
    expect(phaseOf(sweep('pending', [run('a', 'pending', 0)]))).toBe('queued');
  });
});
