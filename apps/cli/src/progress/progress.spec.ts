import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, etaSeconds, formatDuration, progressMode } from './progress.js';

function capture(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 120;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe(progressMode.name, () => {
  it('draws a bar on a terminal, plain lines elsewhere, nothing for --json', () => {
    expect(progressMode(false, { isTTY: true })).toBe('bar');
    expect(progressMode(false, { isTTY: false })).toBe('lines');
    expect(progressMode(true, { isTTY: true })).toBe('silent');
  });
});

describe(createProgress.name, () => {
  it('prints about one plain line per tenth, not one per update, ending with the final count', () => {
    const out = capture(false);
    let t = 0;
    const progress = createProgress({ label: 'sweep', unit: 'epochs', mode: 'lines', stream: out.stream, now: () => t });
    for (let done = 0; done <= 300; done++) {
      t += 1000;
      progress.update(done, 300, 'training · 1/4 cells done');
    }
    progress.stop();
    const lines = out.text().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines[1]).toMatch(/^sweep: 30\/300 epochs \(10%\) \| ETA 4m30s \| training · 1\/4 cells done$/);
    expect(lines.at(-1)).toContain('300/300 epochs (100%)');
  });

  it('prints a line when the detail changes even without progress', () => {
    const out = capture(false);
    const progress = createProgress({ label: 's', unit: 'epochs', mode: 'lines', stream: out.stream });
    progress.update(0, 10, 'queued');
    progress.update(0, 10, 'extracting features');
    progress.update(0, 10, 'extracting features');
    expect(out.text().trim().split('\n')).toHaveLength(2);
  });

  it('draws a bar with percentage, counts and ETA on a terminal', () => {
    const out = capture(true);
    const progress = createProgress({ label: 'synthesising', unit: 'images', mode: 'bar', stream: out.stream });
    progress.update(5, 20, 'x');
    progress.update(10, 20, 'x');
    progress.stop();
    expect(out.text()).toMatch(/synthesising \|[█░]+\| 50% \| 10\/20 images \| ETA \S+ \| x/);
  });

  it('is silent for --json', () => {
    const out = capture(true);
    const progress = createProgress({ label: 's', unit: 'u', mode: 'silent', stream: out.stream });
    progress.update(1, 2);
    progress.log('x');
    progress.stop();
    expect(out.text()).toBe('');
  });
});

describe(etaSeconds.name, () => {
  it('extrapolates the average rate since the first update', () => {
    expect(etaSeconds({ at: 0, done: 0 }, { at: 10_000, done: 25 }, 100)).toBe(30);
    expect(etaSeconds({ at: 0, done: 5 }, { at: 0, done: 5 }, 100)).toBeNull();
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(185)).toBe('3m05s');
  });
});
