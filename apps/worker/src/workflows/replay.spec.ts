import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { bundlerOptions } from '../bundle.js';
import { HISTORIES_DIR, readHistory } from '../testing/histories.js';
import { workflowBundle } from '../testing/harness.js';

async function recorded(): Promise<{ name: string; history: unknown }[]> {
  const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => ({ name: f.replace(/\.json$/, ''), history: await readHistory(join(HISTORIES_DIR, f)) })));
}

describe('workflow replay', () => {
  it('replays every recorded history against the current workflow code', async () => {
    const histories = await recorded();
    // sweep, cancelled sweep, scheduled sweep, completed and failed runs, a CLIP-IQA run (see
    // recordHistory calls), and histories of earlier code, kept because the patched code must
    // replay them: a sweep before the continue-as-new patch (-v1), sweeps and runs before the
    // sliding window (sweep-continue-as-new, sweep-cancelled, run-completed), sweeps before the
    // next page was prefetched (sweep-sliding-window, sweep-cancelled-sliding-window), runs before
    // grid methods (run-completed, run-failed-invalid-input).
    expect(histories.map((h) => h.name)).toEqual(
      expect.arrayContaining([
        'run-clip-iqa',
        'run-completed',
        'run-failed-invalid-input',
        'scheduled-sweep',
        'sweep-cancelled',
        'sweep-continue-as-new',
        'sweep-continue-as-new-v1',
        'sweep-sliding-window',
        'sweep-cancelled-sliding-window',
        'sweep-prefetching',
        'sweep-cancelled-prefetching',
        'run-signals-its-sweep',
      ]),
    );
    const { code } = await workflowBundle();
    for (const { name, history } of histories) {
      await expect(Worker.runReplayHistory({ workflowBundle: { code } }, history, name), name).resolves.toBeUndefined();
    }
  });

  it('fails on a change that breaks determinism', async () => {
    const history = (await recorded()).find((h) => h.name === 'run-completed')?.history;
    const mutant = join(import.meta.dirname, '../testing/reordered-run.workflow.ts');
    await expect(Worker.runReplayHistory({ workflowsPath: mutant, bundlerOptions: bundlerOptions() }, history, 'run-completed')).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
