import { describe, expect, it } from 'vitest';
import { formatWorkers } from './workers.command.js';

describe(formatWorkers.name, () => {
  it('shows each worker with engine and device, and says when a queue has none', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    const text = formatWorkers(
      {
        queues: [
          { name: 'agiqa-cpu', kind: 'cpu', workers: [{ identity: '1@a role=cpu engine=none', host: 'a', pid: 1, role: 'cpu', engine: 'none', backend: null, device: null, polls: ['workflow', 'activity'], lastAccessTime: '2026-12-03T11:59:58Z' }] },
          { name: 'agiqa-gpu', kind: 'gpu', workers: [] },
        ],
      },
      now,
    );
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^queue\s+kind\s+worker\s+role\s+engine\s+device\s+polls\s+last poll$/),
      expect.stringMatching(/^─+/),
      expect.stringMatching(/^agiqa-cpu\s+cpu\s+a pid 1\s+cpu\s+none\s+—\s+workflow\+activity\s+2 s ago$/),
      expect.stringMatching(/^agiqa-gpu\s+gpu\s+no worker polls this queue\s+—/),
    ]);
  });
});
