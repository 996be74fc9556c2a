import { describe, expect, it } from 'vitest';
import { ExtractionGate } from './extraction-gate.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe(ExtractionGate.name, () => {
  it('runs one piece of work at a time, in arrival order', async () => {
    const gate = new ExtractionGate();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const work = (name: string) => async () => {
      running += 1;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running -= 1;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((name) => gate.run(work(name))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(gate.pending).toBe(0);
  });

  it('goes on with the next one when a piece of work fails', async () => {
    const gate = new ExtractionGate();
    const failed = gate.run(() => Promise.reject(new Error('broken image')));
    const next = gate.run(async () => 'ok');
    await expect(failed).rejects.toThrow('broken image');
    await expect(next).resolves.toBe('ok');
  });

  it('gives up a wait when its signal aborts, and keeps the others in order', async () => {
    const gate = new ExtractionGate();
    const log: string[] = [];
    let finishFirst!: () => void;
    const first = gate.run(() => new Promise<void>((resolve) => (finishFirst = resolve)).then(() => log.push('first')));
    const cancel = new AbortController();
    const cancelled = gate.run(async () => log.push('cancelled ran'), cancel.signal);
    const third = gate.run(async () => log.push('third'));
    await tick();
    cancel.abort(new Error('activity cancelled'));
    await expect(cancelled).rejects.toThrow('activity cancelled');
    // The third waits for the first even though the one between them gave up.
    await tick();
    expect(log).toEqual([]);
    finishFirst();
    await Promise.all([first, third]);
    expect(log).toEqual(['first', 'third']);
  });
});
